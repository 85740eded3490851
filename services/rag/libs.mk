# libs.mk - rag's programs outside services/rag: the retrieval benchmarks link its objects
# (the vector index, the fusion) to compare against what the service does.
bench_retrieve_quality_SVC := rag
bench_retrieve_speed_SVC := rag
