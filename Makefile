# Every target runs on Node 24 LTS: scripts/toolchain.sh installs it into .tools/ when the
# machine's node is older. `make test` is what README tells a new user and what .ci/run runs.
SHELL := /bin/bash
NODE_BIN := $(shell scripts/toolchain.sh)
export PATH := $(NODE_BIN):$(PATH)

.PHONY: setup build image test demo bench charts clean go-oracle chromium

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: node_modules/.installed

build: setup
	npm run --silent build

# The Linux image from deploy/Dockerfile, without Docker: buildah into an OCI layout in
# .cache/image/oci (scripts/make-image.sh; TAG=…, default dev).
image:
	scripts/make-image.sh --tag $(or $(TAG),dev)

# The env-hash Go cross-check (test/machines/container-meta/go-oracle.int.test.ts) needs Go 1.23:
# installed from Debian backports when running as root, otherwise the test is skipped loudly.
go-oracle:
	@scripts/go-oracle.sh ensure

# The inspector page's browser test (test/inspect/*.browser*.test.ts) drives Debian's Chromium with
# playwright-core: installed with apt when running as root, otherwise the test is skipped loudly.
chromium:
	@scripts/chromium.sh ensure

test: build go-oracle chromium
	@mkdir -p .reports
	npx vitest run --reporter=default --reporter=json --outputFile.json=.reports/vitest.json; status=$$?; \
	  node scripts/test-summary.mjs .reports/vitest.json || status=1; exit $$status

demo: build
	node dist/daemon/cli.js demo

bench: build
	node dist/test/bench/run.js

charts: build
	node dist/daemon/cli.js charts --out visualizations

clean:
	rm -rf dist node_modules .tools
