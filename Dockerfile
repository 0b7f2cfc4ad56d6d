# edgeconform as a container image: a static binary (CGO_ENABLED=0) on distroless/static, run as
# a non-root user. `make image` builds it without a Docker daemon (Buildah or Podman; Kaniko and
# any other OCI builder read this file as well). deploy/k8s/ runs the image the Makefile names.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/edgeconform ./cmd/edgeconform

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/edgeconform /usr/local/bin/edgeconform
# distroless's nonroot user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/edgeconform"]
