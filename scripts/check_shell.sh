#!/usr/bin/env bash
# Syntax check of every tracked shell script (bash -n), plus shellcheck's
# error-level findings when shellcheck is installed. Run by ctest
# (shell_scripts), so a script that cannot even be parsed (as .ci/run once
# could not: a quote inside ${VAR:-...}) fails the test suite, not CI.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t scripts < <(git ls-files '*.sh' .ci/run)
if [ ${#scripts[@]} -eq 0 ]; then
  echo "check_shell: no tracked shell scripts found (is this a git checkout?)" >&2
  exit 1
fi
bad=0
for f in "${scripts[@]}"; do
  if ! bash -n "$f"; then
    echo "check_shell: $f does not parse (bash -n)" >&2
    bad=1
  fi
done
if command -v shellcheck >/dev/null; then
  shellcheck -S error -s bash "${scripts[@]}" || bad=1
else
  echo "check_shell: shellcheck not installed; ran bash -n only"
fi
[ $bad -eq 0 ] && echo "check_shell: ${#scripts[@]} scripts ok"
exit $bad
