# libs.mk - rag's programs outside services/rag: the retrieval benchmarks link its objects
# (the vector index, the fusion) to compare against what the service does.
bench_retrieve_quality_SVC := rag
bench_retrieve_speed_SVC := rag

# bench_retrieve_speed also measures HNSW (Debian's header-only hnswlib) through a C++ shim.
$(BUILD)/obj/tests/bench/retrieval/hnsw_shim.o: tests/bench/retrieval/hnsw_shim.cc tests/bench/retrieval/hnsw_shim.h
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	$(Q)$(CXX) -O2 -std=c++17 -Wall -Wextra -Werror $(if $(SANITIZE),-fsanitize=$(SANITIZE)) -c $< -o $@
$(BUILD)/tests/bench/bench_retrieve_speed: $(BUILD)/obj/tests/bench/retrieval/hnsw_shim.o
$(BUILD)/tests/bench/bench_retrieve_speed: LDLIBS += -lstdc++
