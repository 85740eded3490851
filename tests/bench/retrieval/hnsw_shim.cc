// hnsw_shim.cc - the C interface of hnsw_shim.h over hnswlib::HierarchicalNSW<float>.
#include "hnsw_shim.h"

#include <hnswlib/hnswlib.h>

struct hnsw {
    hnswlib::InnerProductSpace space;
    hnswlib::HierarchicalNSW<float> index;
    size_t max, M;
    int dims;
    hnsw(int d, size_t m, int links, int efc)
        : space((size_t)d), index(&space, m, (size_t)links, (size_t)efc), max(m),
          M((size_t)links), dims(d)
    {
    }
};

extern "C" hnsw_t *hnsw_new(int dims, size_t max, int M, int ef_construction)
{
    return new hnsw(dims, max, M, ef_construction);
}

extern "C" void hnsw_free(hnsw_t *h)
{
    delete h;
}

extern "C" void hnsw_add(hnsw_t *h, const float *vec, size_t label)
{
    h->index.addPoint(vec, label);
}

extern "C" size_t hnsw_search(hnsw_t *h, const float *q, size_t k, int ef, size_t *labels)
{
    h->index.setEf((size_t)ef);
    auto top = h->index.searchKnn(q, k);
    size_t n = top.size();
    for (size_t i = n; i-- > 0;) { // the queue pops the worst first
        labels[i] = top.top().second;
        top.pop();
    }
    return n;
}

extern "C" size_t hnsw_bytes(const hnsw_t *h)
{
    // level 0: links (2M), the vector and the label per element; upper levels ~1/M of them
    size_t level0 = h->max * (2 * h->M * 4 + 4 + (size_t)h->dims * 4 + 8);
    size_t upper = h->max / h->M * (h->M * 4 + 4);
    return level0 + upper;
}
