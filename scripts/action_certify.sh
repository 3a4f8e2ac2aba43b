#!/usr/bin/env bash
# The GitHub Action's certify step (action.yml): one certification per server version, each summary
# appended to $GITHUB_STEP_SUMMARY, the worst exit code in the step's output. Never fails the step
# itself: the action's last step does, after the reports were uploaded.
set -uo pipefail
target=()
if [[ -n "${VPC_MANIFEST:-}" ]]; then target=(--manifest "$VPC_MANIFEST"); fi
if [[ -n "${VPC_BINARY:-}" ]]; then target+=("$VPC_BINARY"); fi
if [[ -n "${VPC_TYPE:-}" ]]; then target+=(--type "$VPC_TYPE"); fi
worst=0
# Most serious first (CONTRACT): 130 (interrupted), 3, 2, 1, 4 (incomplete), 0.
rank() { case "$1" in 0) echo 0;; 4) echo 1;; 1) echo 2;; 2) echo 3;; 3) echo 4;; 130) echo 6;; *) echo 5;; esac; }
for version in ${VPC_SERVER_VERSIONS:-2.7.2}; do
  out="${VPC_REPORT_DIR:-conformance-report}/openbao-$version"
  python -m conformance certify "${target[@]}" --runtime "${VPC_RUNTIME:-process}" \
    --server-version "$version" --report-dir "$out"
  code=$?
  if [[ -f "$out/summary.md" && -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    { cat "$out/summary.md"; echo; } >> "$GITHUB_STEP_SUMMARY"
  fi
  if (( $(rank "$code") > $(rank "$worst") )); then worst=$code; fi
done
echo "exit-code=$worst" >> "${GITHUB_OUTPUT:-/dev/null}"
