#!/bin/bash
# The whole test suite, as CI runs it (README's second command):
# installs what it needs, builds, runs unit, integration and NetworkManager
# tests, the real-kernel tier in a VM, the unit tests and the hostile-gateway
# suite under AddressSanitizer and UndefinedBehaviorSanitizer, each fuzz
# target for a bounded time, and last the secrets check over every log the
# scenarios left. Ends with the line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
root=$PWD
# One time budget shared by every fuzz target, however many there are.
fuzz_budget=${ROVE_FUZZ_BUDGET:-140}
passed=0
failed=0
failures=()

note() { printf '\n=== %s\n' "$*"; }

# Adds the results of one `meson test` run (read from its JSON log).
count_meson() {
	local log=$1/meson-logs/testlog.json label=$2 p f
	if [ ! -s "$log" ]; then
		failed=$((failed + 1)); failures+=("$label: no test ran"); return
	fi
	read -r p f < <(python3 - "$log" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["result"] in ("OK", "EXPECTEDFAIL", "SKIP"):
        p += r["result"] != "SKIP"
    else:
        f += 1
        print(r["name"], file=sys.stderr)
print(p, f)
PY
	) 2> >(while read -r n; do echo "FAILED: $label $n"; done)
	passed=$((passed + p)); failed=$((failed + f))
	[ "$f" -gt 0 ] && failures+=("$label: $f failed")
}

build() { # dir, meson options...
	local dir=$1; shift
	if [ ! -d "$dir" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
			tail -15 "$dir.setup.log"; rm -rf "$dir"
			echo "meson setup $dir failed (above): a missing library is a missing -dev"
			echo "package; bash tests/install-deps.sh (as root) installs them"
			return 1
		}
	fi
	ninja -C "$dir" >"$dir.build.log" 2>&1 || {
		tail -30 "$dir.build.log"
		echo "building $dir failed (above; whole log in $dir.build.log)"
		return 1
	}
}

note "installing dependencies"
if [ "$(id -u)" = 0 ]; then
	if ! bash tests/install-deps.sh; then
		echo "installing packages failed (tests/install-deps.sh said why above);"
		echo "the steps below may fail for the same reason"
		failed=$((failed + 1)); failures+=("installing packages (tests/install-deps.sh)")
	fi
else
	echo "not root: packages not checked (bash tests/install-deps.sh as root installs them)"
fi

note "build"
if build build; then
	note "unit and integration tests"
	meson test -C build --no-rebuild --print-errorlogs --num-processes 2 \
		--suite unit 2>&1 | tail -40
	count_meson build unit
	cp build/meson-logs/testlog.json build/meson-logs/testlog-unit.json
	note "GUI tests: the editors and the auth dialog under Xvfb (screenshots in build/meson-logs/)"
	meson test -C build --no-rebuild --print-errorlogs --num-processes 1 \
		--suite gui 2>&1 | tail -20
	count_meson build gui
	if [ "$(id -u)" = 0 ]; then
		# what the scenarios leave for the secrets check below
		rm -rf build/test-evidence
		meson test -C build --no-rebuild --print-errorlogs --num-processes 1 \
			--suite integration 2>&1 | tail -60
		count_meson build integration
		note "NetworkManager tests: a real NetworkManager in a namespace, rove installed"
		meson test -C build --no-rebuild --print-errorlogs --num-processes 1 \
			--suite nm 2>&1 | tail -30
		count_meson build nm
		note "the real-kernel tier: Debian's kernel in a VM"
		meson test -C build --no-rebuild --print-errorlogs --num-processes 1 \
			--suite vm 2>&1 | tail -30
		count_meson build vm
	else
		echo "integration tests need root: skipped"
	fi
else
	failed=$((failed + 1)); failures+=("build failed: see the build step above")
fi

note "unit tests under ASan and UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	meson test -C build-asan --no-rebuild --print-errorlogs --suite unit 2>&1 | tail -20
	count_meson build-asan unit-asan
	if [ "$(id -u)" = 0 ]; then
		note "the hostile gateway (tests/hostile), against the sanitizer build of rove"
		rm -rf build-asan/test-evidence
		meson test -C build-asan --no-rebuild --print-errorlogs --suite hostile 2>&1 | tail -20
		count_meson build-asan hostile
	fi
else
	failed=$((failed + 1)); failures+=("ASan build failed")
fi

note "fuzz targets, ${fuzz_budget}s in all"
if CC=clang build build-fuzz -Dfuzz=true; then
	targets=()
	for t in build-fuzz/fuzz/fuzz_*; do
		[ -f "$t" ] && [ -x "$t" ] && targets+=("$t")
	done
	fuzz_seconds=$((fuzz_budget / (${#targets[@]} > 0 ? ${#targets[@]} : 1)))
	[ "$fuzz_seconds" -ge 5 ] || fuzz_seconds=5
	echo "${#targets[@]} targets, ${fuzz_seconds}s each"
	for t in "${targets[@]}"; do
		name=${t##*/fuzz_}
		corpus=$root/fuzz/corpus/$name
		work=$(mktemp -d)
		[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
		if "$t" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=10 \
			-artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
			echo "ok   fuzz $name ($(grep -c . "$work.log") log lines)"
			passed=$((passed + 1))
		else
			echo "FAIL fuzz $name"; tail -40 "$work.log"
			failed=$((failed + 1)); failures+=("fuzz $name")
		fi
		rm -rf "$work" "$work.log"
	done
else
	failed=$((failed + 1)); failures+=("fuzz build failed: clang and libclang-rt-14-dev installed?")
fi

if [ "$(id -u)" = 0 ]; then
	note "secrets hygiene: no secret in what the integration, VM and hostile scenarios left"
	if bash tests/secrets-check.sh build/test-evidence build-asan/test-evidence; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); failures+=("secrets check (tests/secrets-check.sh)")
	fi
fi

note "summary"
for f in "${failures[@]}"; do echo "  $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
