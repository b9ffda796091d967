# plrd-operator: every target here works on a fresh machine with Java 17 and Maven.
MVN ?= mvn -B

.PHONY: test build crd bench run

## run: the tiny family of examples/tiny-family.yaml on this machine, no cluster and no network: builds the CLI if
## needed, prepares the base (plrd init-model, then a short pretraining on the licence texts of
## /usr/share/common-licenses) and runs `plrd run`, which prints the family's table. Run it again to continue an
## interrupted run; `rm -rf target/run` starts afresh.
RUN_DIR ?= target/run
PRETRAIN_TOKENS ?= 150K
PLRD_JAR = target/quarkus-app/quarkus-run.jar
PLRD = java -jar $(PLRD_JAR)
run: $(PLRD_JAR)
	scripts/tiny-base.sh $(RUN_DIR)/tiny-family.workspace $(PRETRAIN_TOKENS) $(PLRD)
	cp examples/tiny-family.yaml $(RUN_DIR)/tiny-family.yaml
	$(PLRD) run $(RUN_DIR)/tiny-family.yaml

$(PLRD_JAR): pom.xml $(shell find src/main crds -type f)
	$(MVN) package -DskipTests

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
