# Concord's front door. Every target selects a JDK >= 25 by itself (scripts/find-jdk.sh).
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk.sh)
export JAVA_HOME
MVN := mvn -B --no-transfer-progress
JAVA := $(JAVA_HOME)/bin/java
JVM_FLAGS := --enable-native-access=ALL-UNNAMED -XX:+UseZGC -Xms256m -Xmx1g
SUITE_JAR := services/devsuite/target/concord-devsuite-0.1.0-SNAPSHOT-exec.jar

.PHONY: help run build test check bench-e2e bench-fanout bench-storm bench-session bench-ring clean tools
.PHONY: helm-lint k8s-manifests

help:
	@echo "make run        build and start the whole suite locally (ports 8080, 7700-7740)"
	@echo "make test       everything CI runs: unit tests + cross-service integration tests"
	@echo "make check      fast inner loop: compile + unit tests, no integration tests"
	@echo "make bench-e2e  end-to-end message latency over loopback (1000 sequential messages)"
	@echo "make bench-fanout  one event to 100k sessions over 4 session pods vs a naive fanout"
	@echo "make bench-storm   100k sessions x 5 guilds re-join at once, join bulkhead on vs off"
	@echo "make bench-session resume latency across gateways; presence rebuild for 10k sessions"
	@echo "make bench-ring    JMH: ring lookups vs synchronized TreeMap and owner-thread baselines (~4 min)"
	@echo "make helm-lint     helm lint --strict + render checks of helm/concord (Helm runs in the JVM)"
	@echo "make k8s-manifests regenerate k8s/concord.yaml from the chart (make test fails while it is stale)"

tools:
	@scripts/ensure-tools.sh

build: tools
	$(MVN) -q install -DskipTests

run: build
	$(JAVA) $(JVM_FLAGS) -jar $(SUITE_JAR)

test: tools
	CONCORD_TEST_JDBC_URL="$$(scripts/ensure-postgres.sh)" $(MVN) install

check: tools
	CONCORD_TEST_JDBC_URL="$$(scripts/ensure-postgres.sh)" $(MVN) install -DskipITs

bench-e2e: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -cp %classpath dev.concord.bench.EndToEndLatency $(BENCH_ARGS)"

bench-fanout: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -Xmx3g -cp %classpath dev.concord.bench.fanout.FanoutBenchmark $(BENCH_ARGS)"

bench-storm: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -cp %classpath dev.concord.bench.storm.JoinStorm $(BENCH_ARGS)"

bench-session: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -cp %classpath dev.concord.bench.session.ResumeAndPresenceBenchmark $(BENCH_ARGS)"

bench-ring: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="-cp %classpath dev.concord.bench.ring.RingBenchmarks $(BENCH_ARGS)"

# The chart module has no in-tree dependencies, so these build only helm/ (seconds).
helm-lint: tools
	$(MVN) -q -pl helm test

k8s-manifests: tools
	$(MVN) -q -pl helm compile exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="--enable-native-access=ALL-UNNAMED -cp %classpath dev.concord.helm.ChartRenderer $(CURDIR)/helm/concord $(CURDIR)/k8s"

clean:
	$(MVN) -q clean
