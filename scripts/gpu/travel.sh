#!/usr/bin/env bash
# The device call sends the working tree (tracked and untracked-not-ignored files, the folder shared/, carried
# paths): 64 MiB at most. The shipped decoders alone are ~103 MB, so for the call the checkout moves to a detached
# commit of HEAD without models/ and docs/img/ (the parity models travel in .gpu/models.tar.xz); shared/'s ignored
# build outputs are removed (rebuild after: dotnet build). `end` returns to the branch and checks nothing is lost.
# Usage: bash scripts/gpu/travel.sh start|end|size
set -euo pipefail
cd "$(dirname "$0")/../.."
LIMIT=$((64 * 1024 * 1024))
size() {
    local tracked untracked shared stage
    tracked=$(git ls-files -z | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
    untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
    shared=$(git ls-files -z --others --ignored --exclude-standard shared | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
    stage=$(du -sb .gpu 2>/dev/null | cut -f1)
    local total=$(( ${tracked:-0} + ${untracked:-0} + ${shared:-0} + ${stage:-0} ))
    echo "tracked ${tracked:-0}, untracked ${untracked:-0}, ignored in shared/ ${shared:-0}, .gpu ${stage:-0}: $total of $LIMIT bytes"
    [ "$total" -le "$LIMIT" ]
}
case "${1:-}" in
start)
    git diff --quiet && git diff --cached --quiet || { echo "commit or stash first: the tree must be clean" >&2; exit 1; }
    branch=$(git symbolic-ref --short HEAD)
    index=$(mktemp)
    GIT_INDEX_FILE=$index git read-tree HEAD
    GIT_INDEX_FILE=$index git rm -r -q --cached models docs/img
    tree=$(GIT_INDEX_FILE=$index git write-tree)
    rm -f "$index"
    commit=$(git commit-tree "$tree" -p HEAD -m "GPU round: the tree that travels (HEAD without models/, docs/img/)")
    echo "$branch" > .gpu/branch
    git checkout -q --detach "$commit"
    rm -rf shared/*/bin shared/*/obj
    size || { echo "still over the device's 64 MiB: bash scripts/gpu/travel.sh end, then stage less" >&2; exit 1; }
    ;;
end)
    branch=$(cat .gpu/branch)
    git checkout -q "$branch"
    git status --short | grep -q . && { echo "the tree differs from $branch after the round:" >&2; git status --short >&2; exit 1; }
    echo "back on $branch; rebuild: dotnet build Serverless.sln -c Release"
    ;;
size) size ;;
*) echo "usage: travel.sh start|end|size" >&2; exit 2 ;;
esac
