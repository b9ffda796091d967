# plrd-operator: every target here works on a fresh machine with Java 17 and Maven.
MVN ?= mvn -B

.PHONY: test build crd bench

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
