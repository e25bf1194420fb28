#!/bin/sh
# The steps of .github/workflows/graft-review.yml, runnable anywhere (CI tests run them too):
#   sh .github/graft-review.sh BASE [HEAD]
# writes graft-review/review.md (short enough for a pull-request comment) and
# graft-review/review-full.md (everything), and appends the full review to the job summary
# when $GITHUB_STEP_SUMMARY is set (a fork's pull request cannot comment: the summary can).
set -eu
base="$1"
head="${2:-HEAD}"
out="${GRAFT_REVIEW_DIR:-graft-review}"
mkdir -p "$out"
graft review "$base...$head" --format md --max-chars 65000 \
  --output "$out/review.md" --full-output "$out/review-full.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  # a job summary holds 1 MiB
  head -c 1000000 "$out/review-full.md" >> "$GITHUB_STEP_SUMMARY"
fi
echo "graft review: $(wc -c < "$out/review.md") characters for the comment, $(wc -c < "$out/review-full.md") in all"
