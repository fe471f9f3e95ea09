# Multi-stage build: compile with the Swift toolchain, ship a small non-root runtime image.
#   docker build -t tessera .
#   docker run -p 8443:8443 -v tessera-data:/var/lib/tessera --mount type=secret... tessera
# (The build machines of this project have no Docker engine; this file is kept buildable by review.)
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY . .
RUN swift build -c release --product tessera --static-swift-stdlib \
    && mkdir -p /out/completions \
    && cp "$(swift build -c release --show-bin-path)/tessera" /out/tessera \
    && /out/tessera --generate-completion-script bash > /out/completions/tessera.bash \
    && /out/tessera --generate-completion-script zsh > /out/completions/_tessera \
    && /out/tessera --generate-completion-script fish > /out/completions/tessera.fish

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libcurl4 libxml2 tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system tessera && useradd --system --gid tessera --home-dir /var/lib/tessera tessera \
    && install -d -o tessera -g tessera -m 0700 /var/lib/tessera
COPY --from=build /out/tessera /usr/local/bin/tessera
COPY --from=build /out/completions/tessera.bash /usr/share/bash-completion/completions/tessera
COPY packaging/tessera.conf /etc/tessera/tessera.conf
USER tessera:tessera
VOLUME /var/lib/tessera
EXPOSE 8443
HEALTHCHECK --interval=10s --timeout=5s CMD ["/usr/local/bin/tessera", "health", "--url", "http://127.0.0.1:8443", "--timeout", "3"]
# The KEK comes from a mounted secret file: --kek-file /run/secrets/tessera-kek
ENTRYPOINT ["/usr/local/bin/tessera", "server", "--config", "/etc/tessera/tessera.conf", "--host", "0.0.0.0", \
    "--kek-file", "/run/secrets/tessera-kek"]
