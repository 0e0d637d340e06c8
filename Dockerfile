# Builds the resident-hub binary and runs it on a slim Debian image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin resident-hub

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/resident-hub resident-hub \
    && mkdir -p /var/lib/resident-hub && chown resident-hub /var/lib/resident-hub
COPY --from=build /src/target/release/resident-hub /usr/local/bin/resident-hub
USER resident-hub
WORKDIR /var/lib/resident-hub
ENV RESIDENT_HUB_LISTEN=0.0.0.0:8000 RESIDENT_HUB_DATA_DIR=/var/lib/resident-hub
EXPOSE 8000
ENTRYPOINT ["resident-hub"]
CMD ["serve"]
