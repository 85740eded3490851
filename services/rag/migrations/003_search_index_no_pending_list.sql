-- 003_search_index_no_pending_list.sql - the full-text index is updated at once on every write.
--
-- With GIN's default fastupdate, new entries wait in an unsorted pending list until a vacuum
-- merges them, and every search scans that whole list: after 10,000 articles were added, a
-- query matching one article took 4-6 ms instead of 0.1 ms until autovacuum came by. Knowledge
-- bases are read far more often than written, so writes pay instead (a few hundred
-- microseconds per article), and the list left from before is merged now.
ALTER INDEX rag.articles_search_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('rag.articles_search_idx'::regclass);
