# bash completion for rove(8): commands, options, profile names (*.conf in
# $ROVE_CONFIG_DIR, default /etc/rove) and the sessions that are up (*.sock
# in $ROVE_RUN_DIR, default /run/rove). Plain bash: it needs nothing from
# the bash-completion package. tests/unit/t-completion.sh checks it.

# The names of DIR/*SUFFIX, without DIR/ and SUFFIX.
_rove_names() {
	local f
	for f in "$1"/*"$2"; do
		[ -e "$f" ] || continue
		f=${f##*/}
		printf '%s\n' "${f%"$2"}"
	done
}

# Adds the files and directories matching $1 (directories only with $2).
_rove_files() {
	local f
	compopt -o filenames 2>/dev/null
	while IFS= read -r f; do
		if [ -d "$f" ] || [ -z "${2-}" ] || [[ $1 == */* || $f == *.conf ]]; then
			COMPREPLY+=("$f")
		fi
	done < <(compgen -f -- "$1")
}

_rove() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd=${COMP_WORDS[1]} opts w i args=0
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W 'up down status check import help --help --version' -- "$cur")
		return
	fi
	case $cmd in
	up) opts='--foreground --verbose --password-file --help' ;;
	down) opts='--all --help' ;;
	status) opts='--json --help' ;;
	check) opts='--help' ;;
	import) opts='--output-dir --name --force --help' ;;
	*) return ;;
	esac
	# --password-file FILE, or --password-file=FILE (split at the '=').
	if [ "$cmd" = up ]; then
		if [ "$prev" = --password-file ] && [ "$cur" = = ]; then
			_rove_files ''
			return
		elif [ "$prev" = --password-file ] || { [ "$prev" = = ] &&
			[ "${COMP_WORDS[COMP_CWORD - 2]}" = --password-file ]; }; then
			_rove_files "$cur"
			return
		fi
	fi
	# import -o DIR: directories; --name NAME: nothing to offer.
	if [ "$cmd" = import ]; then
		case $prev in
		-o | --output-dir)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
			return
			;;
		--name) return ;;
		esac
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return
	fi
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--password-file | -o | --output-dir | --name)
			[ "${COMP_WORDS[i + 1]-}" = = ] && i=$((i + 1)); i=$((i + 1)) ;;
		-*) ;;
		*) args=$((args + 1)) ;;
		esac
	done
	[ "$args" -gt 0 ] && return # each command takes one name at most
	case $cmd in
	up | check)
		mapfile -t COMPREPLY < <(compgen -W \
			"$(_rove_names "${ROVE_CONFIG_DIR:-/etc/rove}" .conf)" -- "$cur")
		# A path must hold a / or end in .conf, else it is taken as a name.
		_rove_files "$cur" paths
		;;
	import)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	down | status)
		mapfile -t COMPREPLY < <(compgen -W \
			"$(_rove_names "${ROVE_RUN_DIR:-/run/rove}" .sock)" -- "$cur")
		;;
	esac
}
complete -F _rove rove
