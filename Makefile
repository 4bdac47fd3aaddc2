# spate: non-recursive build. `make` builds bin/spate; `make test` runs the
# CUnit suites; `make test-san` runs them under ASan+UBSan; `make bench`
# measures speed; `make demo` runs the default experiment and draws figures.
# `make deps` installs missing Debian packages (and does nothing otherwise).

CC      ?= cc
PKGS    := gsl libcjson sqlite3
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
CPPFLAGS += -Isim -Ipolicies -Iworkloads -DSPATE_VERSION='"$(VERSION)"' \
	    -D_POSIX_C_SOURCE=200809L
# -flto: the per-message path crosses modules (evq, hist, dist, arrivals);
# link-time inlining is worth ~5% on `make bench`.
CFLAGS  ?= -O2 -g -flto=auto
LDFLAGS ?= -flto=auto
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter -fno-math-errno \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgsl -lgslcblas -lcjson -lsqlite3) -lz -ldl -lm
# policies loaded from shared objects call back into spate (policy_say,
# mon_rate...): export the binary's symbols to them
EXPORT  := -rdynamic
TESTLIBS := -lcunit

B ?= build
LIB_SRC  := $(filter-out sim/main.c,$(wildcard sim/*.c)) $(wildcard policies/*.c) $(wildcard workloads/*.c)
TEST_SRC := $(wildcard tests/test_*.c) tests/testutil.c
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)

all: bin/spate

bin/spate: $(B)/sim/main.o $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(EXPORT) -o $@ $^ $(LDLIBS)

$(B)/spate-tests: $(TEST_OBJ) $(LIB_OBJ) $(B)/plugins/target_tracking.so
	$(CC) $(CFLAGS) $(LDFLAGS) $(EXPORT) -o $@ $(TEST_OBJ) $(LIB_OBJ) $(LDLIBS) $(TESTLIBS)

$(B)/tests/test_plugin.o: CPPFLAGS += -DTEST_PLUGIN_SO='"$(B)/plugins/target_tracking.so"'

# The example policy built outside spate (experiments/plugins/): a shared
# object that sees only policy.h and monitor.h.
$(B)/plugins/%.so: experiments/plugins/%.c policies/policy.h sim/monitor.h sim/param.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -o $@ $<

$(B)/spate-bench: $(B)/tests/bench.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(B)/sim/main.d $(B)/tests/bench.d

# --- tests -----------------------------------------------------------------
test: deps
	@$(MAKE) --no-print-directory $(B)/spate-tests bin/spate
	$(B)/spate-tests

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
test-san: deps
	@$(MAKE) --no-print-directory B=build-san CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" build-san/spate-tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 SPATE_TEST_QUICK=1 build-san/spate-tests

bench: deps
	@$(MAKE) --no-print-directory $(B)/spate-bench bin/spate
	$(B)/spate-bench $(BENCH_ARGS)

# --- the main job ----------------------------------------------------------
demo: deps
	@$(MAKE) --no-print-directory bin/spate
	rm -f results/demo.db
	bin/spate run experiments/demo.json --db results/demo.db
	plots/demo.sh results/demo.db results

# The standard study (experiments/study/): every shipped policy but the
# external agent on the demo DAG, driven by the Azure trace at three loads, 5
# replications with common random numbers; resumable, then reported.
STUDY_JOBS ?= 2
study: deps
	@$(MAKE) --no-print-directory bin/spate
	bin/spate sweep experiments/study/study.json --db results/study.db \
		-j $(STUDY_JOBS) --resume --quiet
	bin/spate report results/study.db --by 'policy,sources[0].arrivals.rate_scale' \
		--baseline hpa --metrics p50,p99,slo_violation_frac,cost_usd,cold_starts \
		> results/study.txt
	bin/spate report results/study.db --by 'policy,sources[0].arrivals.rate_scale' \
		--metrics p99,slo_violation_frac,cost_usd --format csv > results/study.csv
	bin/spate report results/study.db --by 'policy,sources[0].arrivals.rate_scale' \
		--metrics p99,slo_violation_frac,cost_usd --format latex > results/study.tex
	@echo "study: results/study.db, results/study.txt, .csv, .tex"

# --- set-up ----------------------------------------------------------------
DEBS := build-essential pkg-config libgsl-dev libsqlite3-dev sqlite3 \
	libcjson-dev libcunit1-dev zlib1g-dev gnuplot-nox python3 \
	valgrind clang libclang-rt-14-dev
deps:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

clean:
	rm -rf build build-san build-fuzz bin

.PHONY: study all test test-san bench demo deps clean

# --- Open MPI (optional) -----------------------------------------------------
# Append at the end of the Makefile (after B, CPPFLAGS, LDLIBS and DEBS).
# `spate sweep --mpi` is built when mpicc is found (Debian: libopenmpi-dev,
# openmpi-bin; `make deps` installs them). Only sim/sweep_mpi.c sees mpi.h;
# without mpicc it is compiled as a stub whose --mpi says what to install.
# Availability only: there is no switch to build without MPI when it is there.
DEBS    += libopenmpi-dev openmpi-bin
MPICC   := $(shell command -v mpicc 2>/dev/null)
ifneq ($(MPICC),)
MPI_CPPFLAGS := -DSPATE_MPI=1 $(shell $(MPICC) --showme:compile)
MPI_LIBS     := $(shell $(MPICC) --showme:link)
endif
$(B)/sim/sweep_mpi.o: CPPFLAGS += $(MPI_CPPFLAGS)
LDLIBS  += $(MPI_LIBS)
# sweep_mpi.o is rebuilt (and spate relinked) when MPI appears or goes
$(B)/sim/sweep_mpi.o: $(B)/mpi.flags
$(B)/mpi.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(MPI_CPPFLAGS) $(MPI_LIBS)' | cmp -s - $@ || \
	  echo '$(MPI_CPPFLAGS) $(MPI_LIBS)' > $@

# identical results from `mpirun -n 2 ... --mpi` and `-j 1`, and resume
test-mpi: deps
	@$(MAKE) --no-print-directory bin/spate
	sh tests/mpi_test.sh

FORCE:
.PHONY: test-mpi FORCE

# --- fuzzing (issue 8) -----------------------------------------------------
# `make fuzz` builds the libFuzzer targets with clang (package
# libclang-rt-14-dev provides libclang_rt.fuzzer); `make fuzz-run
# FUZZ_SECONDS=60` runs each for that long, one after the other, from a
# scratch directory (relative paths in fuzzed configs resolve there, not in
# the repo). New corpus units go to build-fuzz/corpus/ (not committed);
# fuzz/corpus/ holds the committed seeds (fuzz/make-corpus.sh) and
# fuzz/*.dict the words the parsers look for (fuzz/make-dicts.sh). A crash,
# leak or timeout leaves build-fuzz/artifacts/TARGET-{crash,leak,timeout}-*
# and fails the target; replay one with `cd build-fuzz/run &&
# ASAN_OPTIONS=fast_unwind_on_malloc=0 ../fuzz_config FILE` (full stacks
# through cJSON, which has no frame pointers). Needs the Debian packages
# clang and libclang-rt-14-dev (libFuzzer), e.g. in a FUZZ_DEBS for CI.
FUZZ_CC      ?= clang
FUZZ_B       := build-fuzz
FUZZ_SAN     := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -std=c11 -Wall -Wextra -Wno-unused-parameter \
		$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_B)/%.o)
FUZZ_TARGETS := fuzz_config fuzz_trace
FUZZ_SECONDS ?= 60
# per-input limits: a config or a trace of a few KiB that takes 10 s or
# 2 GiB is a bug (denial of service by a small file)
FUZZ_OPTS    ?= -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_B)/%)

$(FUZZ_B)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

# plugins are refused inside the fuzzer (fuzz/fuzz_config.c says why)
# (explicit rules, not a pattern: pattern-made objects would be deleted as
# intermediate files and rebuilt every time)
$(FUZZ_B)/fuzz_config: $(FUZZ_B)/fuzz/fuzz_config.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(EXPORT) -Wl,--wrap=plugin_open -o $@ $^ $(LDLIBS)
$(FUZZ_B)/fuzz_trace: $(FUZZ_B)/fuzz/fuzz_trace.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(EXPORT) -o $@ $^ $(LDLIBS)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz/%.d)

# every target runs even when an earlier one failed; the status says if any did
fuzz-run: fuzz
	@st=0; for t in $(FUZZ_TARGETS); do \
	  c=$${t#fuzz_}; \
	  mkdir -p $(FUZZ_B)/corpus/$$c $(FUZZ_B)/artifacts $(FUZZ_B)/run; \
	  echo "== $$t for $(FUZZ_SECONDS) s"; \
	  ( cd $(FUZZ_B)/run && ../$$t $(FUZZ_OPTS) -max_total_time=$(FUZZ_SECONDS) \
	      -artifact_prefix=$(CURDIR)/$(FUZZ_B)/artifacts/$$t- \
	      -dict=$(CURDIR)/fuzz/$$c.dict \
	      $(CURDIR)/$(FUZZ_B)/corpus/$$c $(CURDIR)/fuzz/corpus/$$c ) || st=1; \
	done; \
	[ $$st = 0 ] || echo "fuzz-run: failures; inputs in $(FUZZ_B)/artifacts/"; \
	exit $$st

.PHONY: fuzz fuzz-run

# --- performance regression gate (issue 8) --------------------------------
# Instructions per event under valgrind --tool=callgrind for the engine
# benchmark and the demo model, against tools/perf_baseline.txt; fails when
# either grows by more than PERF_MARGIN percent (default 10). After a
# deliberate change: tools/perf_gate.sh --update, and commit the baseline.
# Needs valgrind (add it to DEBS).
perf-gate: deps
	@$(MAKE) --no-print-directory $(B)/spate-bench bin/spate
	BENCH=$(B)/spate-bench SPATE=bin/spate PERF_NO_BUILD=1 tools/perf_gate.sh

.PHONY: perf-gate

# --- paper figures (issue 7) ------------------------------------------------
# `make figures` renders every figure of the paper into results/figures/
# (fig_*.pdf for LaTeX, fig_*.png for the README) from the result databases,
# running a sweep first when its database is missing: the standard study
# (results/study.db), the keep-alive sweep (results/keepalive.db) and, once
# experiments/stragglers/stragglers.json exists, the straggler sweep
# (results/stragglers.db; without the file that figure is skipped with a
# message). plots/figures.sh does the work (plots/README.md).
# `make figures-check` (part of `make test`'s prerequisites if the lead
# wants; < 10 s) draws every figure from the fixture
# tests/fixtures/make_figures_fixture.sql and checks each output's magic
# bytes (%PDF, \x89PNG) and size.
FIGDIR   := results/figures
FIGURES  := plots/figures.sh --out $(FIGDIR) --spate bin/spate
STRAG_BY ?= cluster.lb,cluster.speculation

results/study.db:
	$(MAKE) --no-print-directory study
results/keepalive.db: experiments/keepalive/keepalive.json experiments/keepalive/base.json
	@$(MAKE) --no-print-directory bin/spate
	bin/spate sweep experiments/keepalive/keepalive.json --db $@ -j $(STUDY_JOBS) --resume --quiet

figures: deps
	@$(MAKE) --no-print-directory bin/spate
	@[ -e results/study.db ] || $(MAKE) --no-print-directory study
	@[ -e results/keepalive.db ] || $(MAKE) --no-print-directory results/keepalive.db
	$(FIGURES) --experiment study latency_cdf results/study.db
	$(FIGURES) --experiment study replicas results/study.db
	$(FIGURES) --experiment study cost_p99 results/study.db
	$(FIGURES) --experiment study lag results/study.db
	$(FIGURES) --experiment study slo results/study.db
	$(FIGURES) coldstart_waste results/keepalive.db
	@if [ -f experiments/stragglers/stragglers.json ]; then \
	  [ -e results/stragglers.db ] || bin/spate sweep experiments/stragglers/stragglers.json \
	    --db results/stragglers.db -j $(STUDY_JOBS) --resume --quiet || exit 1; \
	  $(FIGURES) --by '$(STRAG_BY)' --metric p99 stragglers results/stragglers.db || exit 1; \
	else \
	  echo "figures: skipping fig_stragglers: experiments/stragglers/stragglers.json does not exist yet"; \
	fi

FIGCHECK := $(B)/figures-check
figures-check: deps
	@$(MAKE) --no-print-directory bin/spate
	@rm -rf $(FIGCHECK) && mkdir -p $(FIGCHECK)
	cd tests/fixtures && sqlite3 $(CURDIR)/$(FIGCHECK)/fixture.db < make_figures_fixture.sql
	@set -e; F="plots/figures.sh --out $(FIGCHECK) --spate bin/spate"; db=$(FIGCHECK)/fixture.db; \
	for f in latency_cdf replicas cost_p99 lag slo; do $$F --experiment study $$f $$db; done; \
	$$F --experiment keepalive coldstart_waste $$db; \
	$$F --experiment stragglers --by lb,speculation stragglers $$db; \
	$$F --experiment stragglers --by policy,lb --name fig_stragglers_policy stragglers $$db; \
	n=0; for f in $(FIGCHECK)/*.pdf $(FIGCHECK)/*.png; do \
	  case $$f in *.pdf) m='%PDF';; *.png) m=$$(printf '\211PNG');; esac; \
	  [ "$$(head -c 4 $$f)" = "$$m" ] || { echo "figures-check: $$f: not a $${f##*.} file"; exit 1; }; \
	  [ $$(wc -c < $$f) -gt 2000 ] || { echo "figures-check: $$f: too small"; exit 1; }; \
	  n=$$((n + 1)); \
	done; \
	[ $$n = 16 ] || { echo "figures-check: $$n files, expected 16"; exit 1; }; \
	echo "figures-check: $$n figure files OK"

.PHONY: figures figures-check

# --- quick-look figures (issue 7) -------------------------------------------
# `spate plot DB --out DIR [--runs ID,...]` (sim/plot.c runs
# plots/quicklook.sh). `make plot-check` (< 10 s) builds the figures fixture,
# adds node data, and checks that `spate plot` writes valid PNGs (and PDFs),
# honours --runs and SPATE_PLOTS, and fails with status 1 on a missing run,
# database or driver and 2 on bad usage (tests/plot_test.sh).
plot-check: deps
	@$(MAKE) --no-print-directory bin/spate
	sh tests/plot_test.sh bin/spate

.PHONY: plot-check

# --- the paper (issue 7) -----------------------------------------------------
# Append after the study target (it uses B, DEBS, bin/spate, $(B)/spate-bench
# and `study`). `make paper` builds paper/paper.pdf from a clean clone: it
# runs whatever measurement is missing (the study, `spate validate`, the
# speed benchmarks, the figures), turns the outputs into paper/gen/*.tex
# (paper/gen.py) and runs pdflatex. Measurements are kept in results/ and
# reused: `make paper-remeasure` deletes them so the next `make paper`
# measures again. A figure that `make figures` could not draw becomes a
# framed placeholder and a LaTeX warning, never a failed build.
# `make deps-paper` installs the Debian packages the paper needs.
DEBS_PAPER := texlive-latex-base texlive-latex-recommended \
	      texlive-fonts-recommended poppler-utils python3 python3-simpy \
	      sqlite3
PYTHON_SIMPY ?= /usr/bin/python3
ALT_CUSTOMERS ?= 1000000 10000000
PAPER_FIGS := fig_latency_cdf fig_replicas fig_cost_p99 fig_coldstart_waste \
	      fig_lag fig_slo fig_stragglers
STUDY_BY := policy,sources[0].arrivals.rate_scale

deps-paper: deps
	@missing=$$(for p in $(DEBS_PAPER); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends $$missing; \
	fi

# The queueing-theory validation, recorded in results/validate.db (resumable:
# cases already there are reused) and reported from it.
validate: deps
	@$(MAKE) --no-print-directory bin/spate
	bin/spate validate --db results/validate.db > results/validate.txt
	bin/spate validate --db results/validate.db --format csv > results/validate.csv
	@cat results/validate.txt

# Speed: spate-bench (its output after the load average it ran under), then
# the same M/M/10 in the full spate model, a Python heapq loop and SimPy.
bench-paper: deps
	@$(MAKE) --no-print-directory $(B)/spate-bench bin/spate
	@mkdir -p results
	{ echo "loadavg=$$(cut -d' ' -f1 /proc/loadavg)"; $(B)/spate-bench; } \
		> results/bench.txt.tmp
	mv results/bench.txt.tmp results/bench.txt
	SPATE=bin/spate PYTHON_SIMPY=$(PYTHON_SIMPY) bench/alt/run.sh \
		results/bench_alt.db $(ALT_CUSTOMERS) > results/bench_alt.txt.tmp
	mv results/bench_alt.txt.tmp results/bench_alt.txt
	@cat results/bench.txt results/bench_alt.txt

paper: deps-paper
	@$(MAKE) --no-print-directory bin/spate
	@[ -f results/study.db ] || $(MAKE) --no-print-directory study
	@[ -f results/validate.csv ] || $(MAKE) --no-print-directory validate
	@[ -f results/bench.txt ] && [ -f results/bench_alt.txt ] || \
		$(MAKE) --no-print-directory bench-paper
	@for f in $(PAPER_FIGS); do [ -f results/figures/$$f.pdf ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  $(MAKE) --no-print-directory figures || \
	    echo "paper: warning: make figures failed; missing figures are placeholders"; \
	fi
	@mkdir -p paper/gen
	bin/spate report results/study.db --by '$(STUDY_BY)' --baseline hpa \
		--metrics p50,p99,slo_violation_frac,cost_usd,cold_starts \
		--format csv 2>/dev/null > paper/gen/study.csv
	bin/spate report results/study.db --by '$(STUDY_BY)' \
		--metrics p99,slo_violation_frac,cost_usd --format latex \
		> paper/gen/study_full.tex
	sqlite3 -separator ' ' results/study.db "SELECT count(*), \
		count(DISTINCT replication), sum(wall_s) FROM runs WHERE status = 'done'" \
		> paper/gen/study_runs.txt
	bin/spate validate --db results/validate.db --quiet --format latex > paper/gen/validate.tex
	bin/spate check experiments/study/base.json > paper/gen/study_config.json
	bin/spate trace stats traces/azure_llm_2023_conv.csv --format azure-llm-2023 \
		> paper/gen/trace_stats.txt
	python3 paper/gen.py
	cd paper && pdflatex -interaction=nonstopmode -halt-on-error paper.tex > /dev/null && \
		pdflatex -interaction=nonstopmode -halt-on-error paper.tex > paper.build.log || \
		{ tail -40 paper.log; exit 1; }
	@grep -E "Warning|Overfull|Underfull" paper/paper.log | grep -v "^Package hyperref" || true
	@echo "paper: paper/paper.pdf ($$(pdfinfo paper/paper.pdf 2>/dev/null | sed -n 's/^Pages: *//p') pages)"

paper-remeasure:
	rm -f results/validate.db results/validate.csv results/validate.txt \
	      results/bench.txt results/bench_alt.txt results/bench_alt.db

paper-clean:
	rm -rf paper/gen paper/paper.pdf paper/*.aux paper/*.log paper/*.out

.PHONY: deps-paper validate bench-paper paper paper-remeasure paper-clean

# --- librdkafka: `spate record` (optional) --------------------------------------
# Append at the end of the Makefile (after B, CPPFLAGS, LDLIBS and DEBS).
# sim/kafkarec.c is the only file that sees rdkafka.h; it is built with
# SPATE_KAFKA when pkg-config finds rdkafka (Debian: librdkafka-dev, which
# `make deps` installs), else as a stub whose `spate record` says what to
# install. tests/test_kafkarec.c records from librdkafka's built-in mock
# cluster, so the test needs no broker.
DEBS    += librdkafka-dev
KAFKA_OK := $(shell pkg-config --exists rdkafka 2>/dev/null && echo yes)
ifeq ($(KAFKA_OK),yes)
KAFKA_CPPFLAGS := -DSPATE_KAFKA=1 $(shell pkg-config --cflags rdkafka)
LDLIBS  += $(shell pkg-config --libs rdkafka)
endif
$(B)/sim/kafkarec.o: CPPFLAGS += $(KAFKA_CPPFLAGS)
# kafkarec.o is rebuilt (and spate relinked) when librdkafka appears or goes
$(B)/sim/kafkarec.o: $(B)/kafka.flags
$(B)/kafka.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(KAFKA_CPPFLAGS)' | cmp -s - $@ || echo '$(KAFKA_CPPFLAGS)' > $@

# --- hardening: bad inputs, valgrind, kills (issue 8) ---------------------
# Append at the end of the Makefile (after test, B, DEBS). Needs the sqlite3
# shell and valgrind (both in DEBS already).
#
# `make test` also runs the catalogue of bad inputs through the command line
# (tests/bad_catalogue.sh on tests/bad/CATALOGUE.tsv: exit status 2, the
# message with its file:line or JSON path, no half run in the database, and
# every file under tests/bad/ listed). A prerequisite, so the recipe of
# `test` above stays as it is; it runs before the CUnit suites.
test: test-bad
test-bad: deps
	@$(MAKE) --no-print-directory bin/spate
	tests/bad_catalogue.sh

# valgrind memcheck: the whole CUnit suite in quick mode, bin/spate on the
# demo, a local sweep (forked workers) and a report, and the sweep and trace
# rows of the catalogue (the config rows are config_load in-process, which
# the suite already covers). Leaks: definite ones fail (an indirect leak
# always hangs off a definite one); tests/valgrind.supp holds the only
# exception, a fork child that must not free its parent's SQLite handle.
# ~1.5 min of CPU on 2 cores, ~3 min wall.
VALGRIND_OPTS := -q --leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --suppressions=tests/valgrind.supp
VG_TMP := $(B)/valgrind
test-valgrind: deps
	@$(MAKE) --no-print-directory $(B)/spate-tests bin/spate
	SPATE_TEST_QUICK=1 valgrind $(VALGRIND_OPTS) --error-exitcode=1 $(B)/spate-tests
	rm -rf $(VG_TMP) && mkdir -p $(VG_TMP)
	valgrind $(VALGRIND_OPTS) --error-exitcode=1 bin/spate run experiments/demo.json \
		--db $(VG_TMP)/demo.db --quiet
	valgrind $(VALGRIND_OPTS) --error-exitcode=1 bin/spate sweep \
		experiments/sweeps/example.json --db $(VG_TMP)/sweep.db -j 2 --quiet
	valgrind $(VALGRIND_OPTS) --error-exitcode=1 bin/spate report $(VG_TMP)/sweep.db \
		--by policy --metrics p99,cost_usd > /dev/null
	BAD_ONLY='^(sweep|trace)/' SPATE_WRAP="valgrind $(VALGRIND_OPTS) --error-exitcode=97" \
		tests/bad_catalogue.sh
	rm -rf $(VG_TMP)

# Results survive faults: spate run and spate sweep -j 2 killed with SIGKILL
# at several moments (KILL_SEEDS="1 2 3 4 5 6"), a sweep worker killed, a
# full disk (RLIMIT_FSIZE) and SIGINT; the database must stay consistent
# and --resume must give the results of an uninterrupted sweep. ~30 s.
test-kill: deps
	@$(MAKE) --no-print-directory bin/spate
	tests/kill_test.sh

# The catalogue and the kill test again through an ASan+UBSan bin/spate
# (build-san/spate, from test-san's objects: only main.o and the link are
# new). ~1 min.
$(B)/spate: $(B)/sim/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) $(EXPORT) -o $@ $^ $(LDLIBS)
test-san-cli: deps
	@$(MAKE) --no-print-directory B=build-san CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" build-san/spate
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 SPATE=build-san/spate tests/bad_catalogue.sh
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 SPATE=build-san/spate tests/kill_test.sh

.PHONY: test-bad test-valgrind test-kill test-san-cli
