#!/usr/bin/env bash
# Regenerates Sources/VirtmonPrometheus/Proto/remote.pb.swift from remote.proto. Run after editing the .proto;
# the result is committed, so that no build needs protoc or the plugin.
# Needs: protobuf-compiler (apt) and protoc-gen-swift built from the swift-protobuf version Package.swift uses.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${SWIFT_PROTOBUF_VERSION:-1.39.0}
work=${TMPDIR:-/tmp}/virtmon-protoc-gen-swift-$version
command -v protoc >/dev/null || { echo "generate-protobuf.sh: needs protoc (apt-get install protobuf-compiler)" >&2; exit 1; }
if [ ! -x "$work/.build/release/protoc-gen-swift" ]; then
    rm -rf "$work"
    git clone -q --branch "$version" https://github.com/apple/swift-protobuf "$work"
    (cd "$work" && swift build -c release --product protoc-gen-swift)
fi
cd Sources/VirtmonPrometheus/Proto
protoc --plugin=protoc-gen-swift="$work/.build/release/protoc-gen-swift" --swift_out=. --swift_opt=Visibility=Public remote.proto
echo "wrote Sources/VirtmonPrometheus/Proto/remote.pb.swift"
