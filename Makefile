# Concord's front door. Every target selects a JDK >= 25 by itself (scripts/find-jdk.sh).
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk.sh)
export JAVA_HOME
MVN := mvn -B --no-transfer-progress
JAVA := $(JAVA_HOME)/bin/java
# G1 rather than generational ZGC: at this heap it gave the suite 10-30 % more deliveries/s, a
# fifth of the memory per idle connection and a tenth of the GC time (bench-load, bench/README.md).
# String deduplication: every connection's session id, status and URI copies share one array each
# once they survive a few collections (-0.3 KB heap per idle connection, no measurable CPU cost).
# Netty's leak detector off, as in production: it took a stack trace at the allocation and the
# release of one buffer in 128 (1.3 % of the N = 19 000 burst's CPU samples, JFR); the tests keep
# Netty's default (sampled detection), which is where a leak is caught
JVM_FLAGS := --enable-native-access=ALL-UNNAMED -XX:+UseG1GC -XX:+UseStringDeduplication -Dio.netty.leakDetection.level=disabled -Xms256m -Xmx1g
SUITE_JAR := services/devsuite/target/concord-devsuite-0.1.0-SNAPSHOT-exec.jar
SERVICES := registry guild session presence gateway
IMAGE_TAG := 0.1.0

.PHONY: help run build test check images docker-images bench-e2e bench-rest bench-load bench-fanout bench-tracing bench-compress bench-storm bench-large bench-store bench-session bench-ring clean tools
.PHONY: helm-lint k8s-manifests top fuzz

help:
	@echo "make run        build and start the whole suite locally (ports 8080, 7700-7740)"
	@echo "make test       everything CI runs: unit tests + cross-service integration tests"
	@echo "make check      fast inner loop: compile + unit tests, no integration tests"
	@echo "make images     build the jars, then the images concord/<service>:$(IMAGE_TAG) (starts Docker if needed)"
	@echo "make bench-e2e  end-to-end message latency over loopback (1000 sequential messages)"
	@echo "make bench-rest   message creates/s and latency through REST vs gRPC CreateMessage, same run"
	@echo "make bench-load   N clients in one guild (server in its own JVM): connects, memory, deliveries/s, latency; Concord vs bare Netty"
	@echo "make bench-fanout  one event to 100k sessions over 4 session pods vs a naive fanout; then tracing off/1 %/100 %"
	@echo "make bench-compress none vs zlib-stream vs zstd-stream on a recorded mix of real dispatches: ratio, CPU/MB, memory/connection"
	@echo "make bench-tracing the tracing part of bench-fanout alone (off vs 1 % vs 100 % head sampling)"
	@echo "make bench-storm   100k sessions x 5 guilds re-join at once, join bulkhead on vs off"
	@echo "make bench-large   one guild, 1M members, 200k sessions: passive sessions on vs off"
	@echo "make bench-store   message creates/s with durability on: group commit vs one transaction per message (PostgreSQL)"
	@echo "make bench-session resume latency across gateways; presence rebuild for 10k sessions"
	@echo "make bench-ring    JMH: ring lookups vs synchronized TreeMap and owner-thread baselines (~4 min)"
	@echo "make top           the most backed-up guilds of a running suite (ARGS=\"--by rate|subscribers --top N <guild pod management URLs>\")"
	@echo "make helm-lint     helm lint --strict + render checks of helm/concord (Helm runs in the JVM)"
	@echo "make fuzz          Jazzer on the token verifier, the gateway's frames (plain, zlib-stream) and every REST route, 5 min per target (FUZZ_ROUNDS=30)"
	@echo "make k8s-manifests regenerate k8s/concord.yaml from the chart (make test fails while it is stale)"

tools:
	@scripts/ensure-tools.sh

build: tools
	$(MVN) -q install -DskipTests

# make run TRACING=log prints every span of every traced publish (TRACING_RATE: share traced, default 1)
run: build
	$(if $(TRACING),CONCORD_TRACING_MODE=$(TRACING) CONCORD_TRACING_SAMPLE_RATE=$(or $(TRACING_RATE),1) )$(JAVA) $(JVM_FLAGS) -jar $(SUITE_JAR)

# 1. every module's unit tests and in-JVM integration tests (fuzz targets on their stored inputs),
# then 10 s of fuzzing per target; 2. the images from the jars just built; 3. the container ITs on
# those images (integration-tests, profile containers)
test: tools
	CONCORD_TEST_JDBC_URL="$$(scripts/ensure-postgres.sh)" $(MVN) install
	@MVN="$(MVN)" scripts/fuzz.sh 1
	@$(MAKE) --no-print-directory docker-images
	@start=$$SECONDS; CONCORD_TEST_JDBC_URL="$$(scripts/ensure-postgres.sh)" $(MVN) -pl integration-tests verify -Pcontainers \
	  && echo "container ITs took $$((SECONDS - start)) s"

check: tools
	CONCORD_TEST_JDBC_URL="$$(scripts/ensure-postgres.sh)" $(MVN) install -DskipITs

images: build
	@$(MAKE) --no-print-directory docker-images

# the images from the exec jars already in services/*/target (make images builds them first).
# Plain `docker build`: the engine here (Debian's docker.io 20.10) has no BuildKit.
docker-images:
	@for s in $(SERVICES); do \
	  [[ -f services/$$s/target/concord-$$s-0.1.0-SNAPSHOT-exec.jar ]] || { echo "missing services/$$s/target/*-exec.jar: run make images" >&2; exit 1; }; \
	done
	@scripts/ensure-docker.sh
	@scripts/ensure-base-image.sh
	@start=$$SECONDS; for s in $(SERVICES); do \
	  docker build -q -t concord/$$s:$(IMAGE_TAG) services/$$s 2>&1 >/dev/null | grep -v -e DEPRECATED -e 'legacy builder' -e buildx -e '^ *$$' >&2; \
	  [[ $${PIPESTATUS[0]} -eq 0 ]] || { echo "docker build of concord/$$s failed" >&2; exit 1; }; \
	done; \
	docker image prune -f --filter label=dev.concord.image >/dev/null; \
	echo "built $(foreach s,$(SERVICES),concord/$(s):$(IMAGE_TAG)) in $$((SECONDS - start)) s"

bench-e2e: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -cp %classpath dev.concord.bench.EndToEndLatency $(BENCH_ARGS)"

# concordctl: asks each guild pod's /actuator/guilds (default: make run's guild pod at :8710)
top:
	@$(MVN) -q -o -pl services/devsuite org.codehaus.mojo:exec-maven-plugin:3.5.0:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="-cp %classpath dev.concord.devsuite.ConcordCtl $(ARGS)"

bench-rest: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -cp %classpath dev.concord.bench.rest.RestVsGrpcBenchmark $(BENCH_ARGS)"

bench-load: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -cp %classpath dev.concord.bench.load.LoadGenerator $(BENCH_ARGS)"

bench-fanout: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -Xms3g -Xmx3g -cp %classpath dev.concord.bench.fanout.FanoutBenchmark $(BENCH_ARGS)"

# coverage-guided fuzzing of the decoders of outside bytes: FUZZ_ROUNDS rounds of 10 s per target
# (make test runs one; findings land in the target's inputs directory as regression tests)
fuzz: build
	@MVN="$(MVN)" scripts/fuzz.sh $(or $(FUZZ_ROUNDS),30)

# gateway compression on a recorded mix of real dispatches: none vs zlib-stream vs zstd-stream
bench-compress: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -cp %classpath dev.concord.bench.compress.CompressionBenchmark $(BENCH_ARGS)"

# only the tracing part of bench-fanout: off vs 1 % vs 100 % head sampling, alternating rounds
bench-tracing: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -Xms3g -Xmx3g -cp %classpath dev.concord.bench.fanout.FanoutBenchmark --tracing-only 1 --iterations 10 $(BENCH_ARGS)"

# one guild of 1 000 000 members and 200 000 sessions, passive sessions on vs off (fresh JVM each)
bench-large: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -Xmx512m -cp %classpath dev.concord.bench.large.LargeGuildBenchmark $(BENCH_ARGS)"

bench-storm: build
	$(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -cp %classpath dev.concord.bench.storm.JoinStorm $(BENCH_ARGS)"

bench-store: build
	url="$$(scripts/ensure-postgres.sh)" && $(MVN) -q -pl bench exec:exec -Dexec.executable=$(JAVA) \
	  -Dexec.args="$(JVM_FLAGS) -cp %classpath dev.concord.bench.store.GroupCommitBenchmark --jdbc $$url $(BENCH_ARGS)"

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
