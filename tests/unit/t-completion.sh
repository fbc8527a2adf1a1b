#!/bin/bash
# data/rove.bash in plain bash: commands, options (those `rove CMD --help`
# prints), profile names and paths, session names, --password-file FILE.
# Usage: t-completion.sh ROVE.BASH ROVE
set -u
comp=$(readlink -f "$1") rove=$(readlink -f "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ROVE_CONFIG_DIR=$tmp/etc ROVE_RUN_DIR=$tmp/run LC_ALL=C
mkdir -p "$tmp/etc" "$tmp/run" "$tmp/cwd/sub"
touch "$tmp"/etc/{work,home}.conf "$tmp/etc/notes.txt" "$tmp"/run/{work,lab}.sock \
	"$tmp/run/work.pid" "$tmp"/run/old.log "$tmp/cwd/local.conf" "$tmp/cwd/secret.txt"
cd "$tmp/cwd" || exit 1
# shellcheck source=/dev/null
. "$comp" || exit 1
fail=0

# Calls the completion as bash does for the words given (the last is the
# one being completed) and prints COMPREPLY sorted on one line.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_rove rove "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' '
}
expect() { # WANT WORD...
	local want=$1 got
	shift
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then
		echo "ok: $* -> $got"
	else
		echo "FAIL: $* -> '$got', expected '$want'"; fail=1
	fi
}

expect '--help --version check down help import status up' rove ''
expect 'status' rove st
expect 'home local.conf sub work' rove up ''
expect 'work' rove up w
expect './local.conf ./secret.txt ./sub' rove up ./
expect 'home' rove check h
expect '' rove up work ''
expect 'home local.conf sub work' rove up --password-file secret.txt ''
expect 'home local.conf sub work' rove up -v --password-file = secret.txt ''
expect 'local.conf secret.txt sub' rove up --password-file ''
expect 'secret.txt' rove up --password-file se
expect 'local.conf secret.txt sub' rove up --password-file =
expect 'secret.txt sub' rove up --password-file = s
expect 'lab work' rove down ''
expect 'work' rove status w
expect '' rove status work ''
expect '' rove frob ''
expect 'local.conf secret.txt sub' rove import ''
expect 'sub' rove import -o ''
expect '' rove import --name ''
expect '' rove import local.conf ''
for cmd in up down status check import; do
	want=$({ "$rove" "$cmd" --help | sed -n 's/^ *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p'
		echo --help; } | sort | paste -sd ' ')
	expect "$want" rove "$cmd" -
done

if bash --norc --noprofile -c '. "$1" && complete -p rove' sh "$comp" | grep -q -- '-F _rove rove$'; then
	echo "ok: sourcing it in a plain bash registers _rove for rove"
else
	echo "FAIL: sourcing $comp does not register a completion for rove"; fail=1
fi
exit $fail
