#!/bin/sh
# Re-downloads axe-core (MPL-2.0) from the npm registry into this folder:
# axe.min.js, the engine the a11y test injects into each page, and its
# LICENSE. The tarball is checked against the registry's published sha512
# integrity for this version before anything is extracted.
set -eu
VERSION=${AXE_VERSION:-4.14.1}
INTEGRITY=${AXE_INTEGRITY:-sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==}
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL -o "$tmp/axe.tgz" "https://registry.npmjs.org/axe-core/-/axe-core-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tmp/axe.tgz" | base64 | tr -d '\n')"
if [ "$got" != "$INTEGRITY" ]; then
	echo "fetch.sh: axe-core-$VERSION.tgz has integrity $got, want $INTEGRITY" >&2
	exit 1
fi
tar -xzf "$tmp/axe.tgz" -C "$tmp" package/axe.min.js package/LICENSE
cp "$tmp/package/axe.min.js" axe.min.js
cp "$tmp/package/LICENSE" LICENSE
echo "axe-core $VERSION: axe.min.js and LICENSE updated"
