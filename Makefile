SHELL := /bin/bash
# keybackup: plain javac/jar build. `make` builds build/keybackup.jar; `make test`, `make run`, `make bench`,
# `make interop` (checks our output with independent implementations; docs/interop.md), `make fuzz` (runs each
# fuzz target of test/keybackup/fuzz with Jazzer for FUZZ_SECONDS, FUZZ_TARGETS="json local-store" for some;
# an optional developer tool fetched with Maven and SHA-256 pinned like JUnit; `make test` replays
# test/fuzz-corpus with JUnit alone and never needs Jazzer).
JAVA     ?= java
JAVAC    ?= javac
JAR      ?= jar
MVN      ?= mvn
RELEASE  ?= 17
JUNIT_VERSION ?= 1.14.1
JUNIT_JAR     ?= lib/junit-platform-console-standalone-$(JUNIT_VERSION).jar
# SHA-256 of the JUnit console launcher from Maven Central; a mismatch stops the build.
JUNIT_SHA256  ?= a09c656d60ada792cf12ed1e8dc7ead3edc98dde034332e97dfcb5b4268b9072
JFLAGS   = --release $(RELEASE) -encoding UTF-8 -Xlint:all -Werror
JAZZER_VERSION ?= 0.24.0
JAZZER_JAR     ?= lib/jazzer-$(JAZZER_VERSION).jar
JAZZER_API_JAR ?= lib/jazzer-api-$(JAZZER_VERSION).jar
# SHA-256 of com.code-intelligence:jazzer and :jazzer-api from Maven Central; a mismatch stops `make fuzz`.
JAZZER_SHA256     ?= 5b04a75bfd3dedd1ef38366561d0182e6cfb9bf4aed2dd3dc811fa6922ddc8bb
JAZZER_API_SHA256 ?= 71f8492434a612bb4d6be26b1fcd408d284204637df8dd5570805fca48968da4
FUZZ_SECONDS   ?= 60
FUZZ_TARGETS   ?=
ARGS     ?= demo
BENCH_KEYS ?= 2000
PYTHON   ?= /usr/bin/python3
# make bench BENCH_PROVIDER_JAR=bcprov.jar BENCH_PROVIDER=BC: run the bench with that JCA provider (appended
# through a generated java.security file; BENCH_PROVIDER is its name or class). Never a project dependency.
# bench-commands passes it to every child too: each command (KEYBACKUP_JAVA_OPTS) and the process floor.
BENCH_PROVIDER_JAR ?=
BENCH_PROVIDER ?=
# BENCH_PROVIDER_JAR=$(BCPROV_JAR) fetches BouncyCastle with Maven for the bench alone, checked against this SHA-256.
BCPROV_VERSION ?= 1.87
BCPROV_JAR     ?= lib/bcprov-jdk18on-$(BCPROV_VERSION).jar
BCPROV_SHA256  ?= 12d2d3dd82a9ec15e92ec7c7943ee64f6097c6dc12c07e984f1693b77565b9aa

# The version lives in one place, src/keybackup/cli/Version.java. Entry times in the jar are the last commit's
# date, and entries are added in a sorted order, so two clones of one commit build a byte-identical jar.
VERSION     := $(shell sed -n 's/.*String NUMBER = "\(.*\)";.*/\1/p' src/keybackup/cli/Version.java)
SOURCE_DATE ?= $(shell git log -1 --format=%cI 2>/dev/null | grep . || echo 2026-01-01T00:00:00Z)

SRC  := $(shell find src -name '*.java')
TEST := $(shell find test -name '*.java')

.PHONY: all jar test run bench bench-commands bench-store interop fuzz clean
.DELETE_ON_ERROR:

all: jar build/keybackup.jsa
jar: build/keybackup.jar

build/keybackup.jar: $(SRC)
	@rm -rf build/classes && mkdir -p build/classes
	@echo "javac $(JFLAGS) -d build/classes (src: $(words $(SRC)) files)"
	@$(JAVAC) $(JFLAGS) -d build/classes $(SRC)
	@cd build/classes && find . -type f | LC_ALL=C sort | sed 's|^|-C build/classes |' > ../jar-entries.txt
	$(JAR) --create --file $@ --main-class keybackup.cli.Main --module-version $(VERSION) --date=$(SOURCE_DATE) @build/jar-entries.txt

# Class-data-sharing archive for bin/keybackup's start-up: the classes one run of `demo` loads (JDK and keybackup),
# dumped at its exit. keybackup.jsa.key names the jar and java it was made for; bin/keybackup uses the archive only
# with those (on JDK 17 an archive made for another jar path can break class loading instead of being ignored).
# A JDK that cannot dump one leaves no archive, and the build goes on (a note says why).
CDS_TRAINING = $(JAVA) -Xmx256m -Xms80m -Xmn64m -XX:+UseSerialGC -Xlog:disable -Xlog:all=warning:stderr -Xlog:cds*=off:stderr -XX:ArchiveClassesAtExit=$@ \
  -p build/keybackup.jar -m keybackup demo
build/keybackup.jsa: build/keybackup.jar
	@rm -f $@
	@echo "class-data-sharing archive: training run of demo -> $@"
	@rm -f $@.key; $(CDS_TRAINING) >/dev/null 2>build/jsa-training.err && [ -f $@ ] || { rm -f $@; echo "note: no class-data-sharing archive (start-up is slower): $$(tail -n 1 build/jsa-training.err)"; }
	@[ ! -f $@ ] || stat -L -c '%n %s %Y' "$(CURDIR)/build/keybackup.jar" "$$(command -v $(JAVA))" > $@.key

$(JUNIT_JAR):
	@mkdir -p lib
	@command -v $(MVN) >/dev/null || { echo "error: $(JUNIT_JAR) is missing and Maven is not installed; see README (Building without Maven)"; exit 1; }
	$(MVN) -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$(JUNIT_VERSION) -DoutputDirectory=lib
	@echo "$(JUNIT_SHA256)  $@" | sha256sum -c --quiet - || { echo "error: SHA-256 of $@ does not match the pinned value"; rm -f $@; exit 1; }

build/test-classes.stamp: build/keybackup.jar $(JUNIT_JAR) $(TEST)
	@rm -rf build/test-classes && mkdir -p build/test-classes
	@echo "javac -d build/test-classes (test: $(words $(TEST)) files)"
	@$(JAVAC) $(JFLAGS) -Xlint:-processing -d build/test-classes -cp build/classes:$(JUNIT_JAR) $(TEST)
	@touch $@

test: build/test-classes.stamp build/keybackup.jsa
	@set -o pipefail; $(JAVA) -jar $(JUNIT_JAR) execute --disable-banner --details=summary --fail-if-no-tests \
	  -cp build/classes:build/test-classes --scan-class-path build/test-classes 2>&1 | tee build/test-output.txt; \
	  rc=$$?; awk '/tests successful/{p=$$2} /tests failed/{f=$$2} /tests aborted/{a=$$2} END{print p+0 " passed, " f+0 " failed" (a > 0 ? ", " a " not run (an assumption did not hold: see above)" : "")}' build/test-output.txt; exit $$rc

run: build/keybackup.jar
	$(JAVA) -p build/keybackup.jar -m keybackup $(ARGS)

# The provider of BENCH_PROVIDER_JAR and BENCH_PROVIDER (both or neither) for a bench JVM: its security file, its
# options, its class path entry.
BENCH_PROVIDER_SETUP = if [ -n "$(BENCH_PROVIDER_JAR)$(BENCH_PROVIDER)" ] \
	  && [ -z "$(BENCH_PROVIDER_JAR)" -o -z "$(BENCH_PROVIDER)" ]; then \
	  echo "error: give both BENCH_PROVIDER_JAR and BENCH_PROVIDER"; exit 2; fi; \
	if [ -n "$(BENCH_PROVIDER_JAR)" ]; then \
	  [ -f "$(BENCH_PROVIDER_JAR)" ] || { echo "error: no $(BENCH_PROVIDER_JAR)"; exit 2; }; \
	  $(JAVA) -cp build/test-classes keybackup.bench.ProviderFile '$(BENCH_PROVIDER)' > build/bench-provider.security; fi
BENCH_PROVIDER_OPTS = $(if $(BENCH_PROVIDER_JAR),-Djava.security.properties=build/bench-provider.security \
	-Dkeybackup.provider=$(BENCH_PROVIDER))
BENCH_PROVIDER_CP = $(if $(BENCH_PROVIDER_JAR),:$(BENCH_PROVIDER_JAR))

bench: build/test-classes.stamp $(filter $(BCPROV_JAR),$(BENCH_PROVIDER_JAR))
	@$(BENCH_PROVIDER_SETUP)
	$(JAVA) -Xmx256m $(BENCH_PROVIDER_OPTS) -cp build/classes:build/test-classes$(BENCH_PROVIDER_CP) \
	  keybackup.bench.Bench $(BENCH_KEYS)
	@$(MAKE) --no-print-directory bench-commands
	@$(MAKE) --no-print-directory bench-store

# The local store's cost per key with n keys stored against an empty store (docs/performance.md, the store
# section). STORE_BENCH_N=100000 for a quick run; the filled store stays in build/bench-store for the next run.
STORE_BENCH_N ?= 1000000
STORE_BENCH_K ?= 10000
bench-store: build/test-classes.stamp
	$(JAVA) -Xmx256m -cp build/classes:build/test-classes keybackup.bench.StoreBench $(STORE_BENCH_N) $(STORE_BENCH_K)

# Whole commands as processes (bin/keybackup), from start to exit, beside the floor measured in the same run;
# docs/performance.md section 1. BENCH_KEYS given on the command line applies here too (default 20,000 keys).
# BENCH_LARGE=1: the streaming commands only, local store (the 1,000,000-key bounded-memory run): upload and restore
# by file, restore --encrypt to stdout, upload of that from stdin, audit --json and audit; exits 1 unless each ran
# with -Xmx256m within 300 MB of peak RSS. The bench process itself gets 4 GiB: its loopback homeserver holds every
# key in memory.
BENCH_COMMAND_KEYS = $(if $(filter command line environment,$(origin BENCH_KEYS)),$(BENCH_KEYS),20000)
bench-commands: build/test-classes.stamp $(filter $(BCPROV_JAR),$(BENCH_PROVIDER_JAR))
	@$(BENCH_PROVIDER_SETUP)
	$(JAVA) -Xmx4g $(BENCH_PROVIDER_OPTS) -cp build/classes:build/test-classes:$(JUNIT_JAR)$(BENCH_PROVIDER_CP) \
	  $(if $(BENCH_PROVIDER_JAR),-Dbench.provider.jar=$(BENCH_PROVIDER_JAR)) \
	  keybackup.bench.CommandBench $(BENCH_COMMAND_KEYS)

# Not part of `test`: checks our output with independent peers (interop/run.sh names them; .ci/run installs
# them). Exit 2 when a peer is missing: nothing was checked. Reports land in build/interop/*.txt.
interop: build/test-classes.stamp
	PYTHON=$(PYTHON) interop/run.sh

# lib/jazzer-*.jar: fetched only for `make fuzz` (never by the build or `make test`), checked against the pinned SHA-256.
lib/jazzer-%.jar:
	@mkdir -p lib
	@command -v $(MVN) >/dev/null || { echo "error: $@ is missing and Maven is not installed"; exit 1; }
	$(MVN) -q dependency:copy -Dartifact=com.code-intelligence:$(patsubst lib/%-$(JAZZER_VERSION).jar,%,$@):$(JAZZER_VERSION) -DoutputDirectory=lib
	@echo "$(if $(findstring api,$@),$(JAZZER_API_SHA256),$(JAZZER_SHA256))  $@" | sha256sum -c --quiet - \
	  || { echo "error: SHA-256 of $@ does not match the pinned value"; rm -f $@; exit 1; }

# lib/bcprov-*.jar: fetched only when BENCH_PROVIDER_JAR names it (never by the build or `make test`), checked
# against the pinned SHA-256.
$(BCPROV_JAR):
	@mkdir -p lib
	@command -v $(MVN) >/dev/null || { echo "error: $@ is missing and Maven is not installed"; exit 1; }
	$(MVN) -q dependency:copy -Dartifact=org.bouncycastle:bcprov-jdk18on:$(BCPROV_VERSION) -DoutputDirectory=lib
	@echo "$(BCPROV_SHA256)  $@" | sha256sum -c --quiet - \
	  || { echo "error: SHA-256 of $@ does not match the pinned value"; rm -f $@; exit 1; }

# New inputs go to build/fuzz/<target>/, failures to build/fuzz/<target>-crash-* (add them to test/fuzz-corpus with the fix).
# Runs on a copy of the classes (a rebuild meanwhile cannot pull them away). The SSRF detector is off: the
# version-info target talks to its own loopback server. Temp stores go to /dev/shm (no fsync cost).
fuzz: build/test-classes.stamp $(JAZZER_JAR) $(JAZZER_API_JAR)
	@rm -rf build/fuzz/classes && mkdir -p build/fuzz/classes && cp -r build/classes build/test-classes build/fuzz/classes/
	@rc=0; cp=$(JAZZER_JAR):$(JAZZER_API_JAR):build/fuzz/classes/classes:build/fuzz/classes/test-classes; \
	while read -r name cls; do \
	  [ -z "$(FUZZ_TARGETS)" ] || [[ " $(FUZZ_TARGETS) " == *" $$name "* ]] || continue; \
	  mkdir -p build/fuzz/$$name; echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
	  $(JAVA) -Xmx1g $(if $(wildcard /dev/shm),-Djava.io.tmpdir=/dev/shm) -cp $$cp com.code_intelligence.jazzer.Jazzer \
	    --target_class=$$cls --instrumentation_includes='keybackup.**' \
	    --disabled_hooks=com.code_intelligence.jazzer.sanitizers.ServerSideRequestForgery \
	    --reproducer_path=build/fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=3072 \
	    -artifact_prefix=build/fuzz/$$name- build/fuzz/$$name test/fuzz-corpus/$$name >build/fuzz/$$name.log 2>&1 \
	    || { rc=1; echo "fuzz: $$name FAILED, see build/fuzz/$$name.log"; }; \
	  grep -E '^Done [0-9]+ runs' build/fuzz/$$name.log | sed 's/^/fuzz: /'; \
	done < <($(JAVA) -cp $$cp keybackup.fuzz.FuzzTargets); exit $$rc

# Javadoc of the exported packages in build/doc with every doclint group on (missing comments and tags included);
# any warning fails the target.
JAVADOC ?= javadoc
.PHONY: doc
doc: $(SRC)
	@rm -rf build/doc
	$(JAVADOC) --release $(RELEASE) -encoding UTF-8 -Xdoclint:all -Xmaxwarns 10000 -Werror -quiet -d build/doc \
	  --module-source-path keybackup=src --module keybackup

clean:
	rm -rf build
