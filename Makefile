# Thin wrapper over Meson for the README's commands.
#   make        build into build/
#   make run    install what is missing, build, start on SQLite with a demo admin
#   make check  install what is missing, build, run every test (normal + ASan/UBSan)

BUILD ?= build

.PHONY: all run check deps clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD)

deps:
	bash scripts/deps.sh

run: deps
	$(MAKE) all
	bash scripts/run.sh

check:
	bash scripts/deps.sh --test
	bash scripts/check.sh

clean:
	rm -rf build build-asan
