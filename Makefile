# plrd-operator: every target here works on a fresh machine with Java 17 and Maven.
MVN ?= mvn -B

.PHONY: test build crd bench run image image-push image-check gpu-image gpu-check

# The image that `make image` builds and deploy/ runs: one name, also in deploy/base/kustomization.yaml
# and deploy/helm/plrd-operator/values.yaml (ImageNameTest keeps them equal).
IMAGE ?= ghcr.io/plrd-dev/plrd-operator:0.1.0
# The base: any source skopeo reads (docker://..., oci:DIR:TAG, oci-archive:FILE), with java on PATH.
BASE_IMAGE ?= docker://docker.io/library/eclipse-temurin:17-jre
IMAGE_DIR := target/image
IMAGE_TAG = $(lastword $(subst :, ,$(IMAGE)))
APP := target/quarkus-app/quarkus-run.jar

## run: the tiny family of examples/tiny-family.yaml on this machine, no cluster and no network: builds the CLI if
## needed, prepares the base (plrd init-model, then a short pretraining on the licence texts of
## /usr/share/common-licenses) and runs `plrd run`, which prints the family's table. Run it again to continue an
## interrupted run; `rm -rf target/run` starts afresh.
RUN_DIR ?= target/run
PRETRAIN_TOKENS ?= 150K
PLRD = java -jar $(APP)
run: $(APP)
	scripts/tiny-base.sh $(RUN_DIR)/tiny-family.workspace $(PRETRAIN_TOKENS) $(PLRD)
	cp examples/tiny-family.yaml $(RUN_DIR)/tiny-family.yaml
	$(PLRD) run $(RUN_DIR)/tiny-family.yaml

## test: the whole test suite: unit tests, the operator against a mock API server, deploy checks, then
## (after packaging) the real-API-server tier, which runs when KUBE_TEST_ASSETS names ../shared/kube
test:
	$(MVN) verify

## build: the operator/worker application in target/quarkus-app (run: java -jar target/quarkus-app/quarkus-run.jar)
build:
	$(MVN) package -DskipTests

## crd: regenerate the committed CRD from the api classes (commit crds/ afterwards)
crd: build
	cp target/kubernetes/modelfamilies.plrd.dev-v1.yml crds/modelfamilies.plrd.dev-v1.yml

## bench: benchmarks, printing figures (not part of `make test`)
bench:
	$(MVN) test -Dtest.groups=bench -Dtest.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false

$(APP): pom.xml $(shell find src/main crds -type f)
	$(MVN) package -DskipTests

$(IMAGE_DIR)/natives: $(APP) scripts/image/ExtractNatives.java
	rm -rf $@ $@.tmp
	java -cp 'target/quarkus-app/lib/main/*' scripts/image/ExtractNatives.java $@.tmp
	mv $@.tmp $@

## image: the operator/worker image (needs umoci and skopeo, no container engine) as an OCI layout in
## target/image/oci and an OCI archive target/image/plrd-operator.tar (podman load, skopeo copy oci-archive:...)
image: $(APP) $(IMAGE_DIR)/natives
	scripts/image/build "$(BASE_IMAGE)" "$(IMAGE)" target/quarkus-app $(IMAGE_DIR)/natives $(IMAGE_DIR)/oci
	rm -f $(IMAGE_DIR)/plrd-operator.tar
	skopeo copy --quiet oci:$(IMAGE_DIR)/oci:$(IMAGE_TAG) oci-archive:$(IMAGE_DIR)/plrd-operator.tar:$(IMAGE)

## image-push: build, then push to IMAGE (credentials: skopeo login, or REGISTRY_AUTH_FILE)
image-push: image
	skopeo copy oci:$(IMAGE_DIR)/oci:$(IMAGE_TAG) docker://$(IMAGE)

## image-check: build the image offline on a base made from this machine's JDK and libraries, then run
## its entrypoint and four stages from the unpacked layers under chroot (root only; scripts/image/check)
image-check: $(IMAGE_DIR)/natives
	scripts/image/base-from-host $(IMAGE_DIR)/base host $(IMAGE_DIR)/natives
	$(MAKE) image BASE_IMAGE=oci:$(IMAGE_DIR)/base:host
	scripts/image/check $(IMAGE_DIR)/oci:$(IMAGE_TAG)

# The GPU image: the same application on an official PyTorch CUDA runtime (its PyTorch matches the DJL
# natives, 2.7.1), with the JRE of BASE_IMAGE and the PyTorch worker; tagged IMAGE's tag plus -gpu.
GPU_IMAGE ?= $(IMAGE)-gpu
GPU_BASE_IMAGE ?= docker://docker.io/pytorch/pytorch:2.7.1-cuda12.6-cudnn9-runtime

## gpu-image: the GPU image, serving the Java stages and the GPU stages (plrd train --engine torch), as an
## OCI layout in target/image/gpu-oci and an archive target/image/plrd-operator-gpu.tar (umoci, skopeo and
## access to Docker Hub; scripts/image/build-gpu)
gpu-image: $(APP) $(IMAGE_DIR)/natives
	scripts/image/build-gpu "$(GPU_BASE_IMAGE)" "$(BASE_IMAGE)" "$(GPU_IMAGE)" target/quarkus-app \
		$(IMAGE_DIR)/natives src/main/python $(IMAGE_DIR)/gpu-oci
	rm -f $(IMAGE_DIR)/plrd-operator-gpu.tar
	skopeo copy --quiet oci:$(IMAGE_DIR)/gpu-oci:$(lastword $(subst :, ,$(GPU_IMAGE))) \
		oci-archive:$(IMAGE_DIR)/plrd-operator-gpu.tar:$(GPU_IMAGE)

## gpu-check: the PyTorch engine on this machine's NVIDIA GPU (PyTorch 2.x with CUDA; no Java, no network; at most
## 8 minutes): bf16 loss curve against the CPU, a 7B-wide factored stack's tokens/s, MFU and peak memory against
## the planner's scripts/gpu-check-expected.json, a 2-rank FSDP2 step. GPU_CHECK_ARGS=--smoke: toy sizes on the CPU
PYTHON ?= python3
GPU_CHECK_ARGS ?=
gpu-check:
	PYTHONPATH=src/main/python $(PYTHON) scripts/gpu-check.py $(GPU_CHECK_ARGS)
