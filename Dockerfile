# Build: a static binary with the migrations embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kemitraan ./app/cmd/kemitraan \
 && mkdir -p /out/uploads

# Run: distroless, non-root, with CA certificates and time-zone data.
FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/kemitraan /app/kemitraan
COPY config/ /app/config/
# Uploaded evidence lives outside any web root, on a volume the service owns.
COPY --from=build --chown=nonroot:nonroot /out/uploads /var/lib/kemitraan/uploads
VOLUME /var/lib/kemitraan/uploads
ENV KEMITRAAN_ENV=production \
    KEMITRAAN_HTTP_ADDR=0.0.0.0:8080 \
    KEMITRAAN_UPLOADS_DIR=/var/lib/kemitraan/uploads
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/app/kemitraan", "healthcheck"]
ENTRYPOINT ["/app/kemitraan"]
CMD ["serve", "--migrate"]
