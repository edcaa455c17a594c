# intermw: one static binary; `serve` runs the hub, `triplestore serve` the store alone.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/intermw ./cmd/intermw

FROM debian:bookworm-slim
RUN useradd --system --home /data intermw && mkdir -p /data && chown intermw /data \
    && apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/intermw /usr/local/bin/intermw
USER intermw
VOLUME /data
EXPOSE 8080
ENV INTERMW_LISTEN=0.0.0.0:8080 INTERMW_DATA=/data
ENTRYPOINT ["intermw"]
CMD ["serve"]
