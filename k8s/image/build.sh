#!/usr/bin/env bash
# Builds Pulso's container image as a tar (no Docker daemon, no registry): the base from Debian
# packages if this machine has not made it yet (base-image.sh), then Jib. Prints the tar's path and
# the sizes of its application layers. Pass Maven options after it, e.g. a registry base for
# production: k8s/image/build.sh -Dpulso.image.base=public.ecr.aws/amazoncorretto/amazoncorretto:17-al2023-headless -Dpulso.image.skipBase=true
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -Pimage -DskipTests -pl service -am package "$@" >&2
tar="service/target/pulso-image.tar"
# The application's layers, as Jib split them (the base is the first layer).
echo "Application layers (compressed), newest last:" >&2
tar -xOf "$tar" manifest.json | python3 -c '
import json, sys, subprocess
layers = json.load(sys.stdin)[0]["Layers"]
sizes = {}
listing = subprocess.run(["tar", "-tvf", sys.argv[1]], capture_output=True, text=True).stdout.split("\n")
for line in listing:
    parts = line.split()
    if len(parts) >= 6:
        sizes[parts[-1]] = int(parts[2])
for layer in layers[1:]:
    print(f"  {sizes.get(layer, 0) / 1e6:8.1f} MB  {layer}", file=sys.stderr)
' "$tar"
echo "Image tar:" >&2
realpath "$tar"
