# Postmaster: `make` builds the Native AOT executable bin/postmaster; `make test` runs every test;
# `make run` starts Postmaster on the embedded development configuration. See README.md.
DOTNET  ?= dotnet
SOURCES := $(shell find src -name '*.cs' -o -name '*.csproj') Directory.Build.props Directory.Packages.props

.PHONY: all deps test unit e2e run clean

all: bin/postmaster

# Publish with Native AOT; only the executable is copied (the .dbg symbols stay in out/, TOOLCHAIN.md gotcha 20).
bin/postmaster: $(SOURCES)
	$(DOTNET) publish src/Postmaster/Postmaster.csproj -c Release -o out/publish --nologo
	install -D -m 0755 out/publish/postmaster $@

deps:
	scripts/install-deps

test:
	scripts/test

unit:
	$(DOTNET) test tests/Postmaster.Tests --nologo

e2e: bin/postmaster
	$(DOTNET) test tests/Postmaster.EndToEnd --nologo

run:
	scripts/run

clean:
	rm -rf bin out .run src/*/bin src/*/obj tests/*/bin tests/*/obj
