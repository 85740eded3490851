/* docx.c - DOCX (extract.h) with libzip and libxml2's streaming xmlTextReader over
 * word/document.xml: headings (paragraph styles Heading1..6 and Title, or an outline level from
 * the paragraph or from word/styles.xml, whatever the style's name: "Заголовок 1" works too),
 * paragraphs, list items with their depth (w:numPr/w:ilvl), tables as rows "cell | cell".
 *
 * A zip bomb is refused before and while inflating: an entry's declared size, its declared
 * compression ratio, and the bytes actually inflated are all capped.
 */
#include <libxml/xmlreader.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "services/ingest/extract/extract.h"
#include "shared/util.h"

#define W_NS       "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define SMALL_XML  (16u * 1024 * 1024) /* styles.xml, core.xml */
#define MAX_STYLES 4096

typedef struct {
    zip_file_t *zf;
    size_t read, cap;
    bool over; /* more than cap bytes inflated */
} zread_t;

typedef struct {
    char *id;
    int level; /* heading level 1..6, 0: not a heading */
} style_t;

typedef struct {
    style_t *items;
    size_t n;
} styles_t;

static int zread_cb(void *ctx, char *buf, int len)
{
    zread_t *z = ctx;
    zip_int64_t n = zip_fread(z->zf, buf, (zip_uint64_t)len);
    if (n < 0)
        return -1;
    z->read += (size_t)n;
    if (z->read > z->cap) {
        z->over = true;
        return -1;
    }
    return (int)n;
}

static void quiet(void *arg, const char *msg, xmlParserSeverities sev, xmlTextReaderLocatorPtr loc)
{
    (void)arg, (void)msg, (void)sev, (void)loc;
}

/* Opens entry `name` for streaming with the size checks; NULL and out's error set when the
 * entry is a bomb; NULL without error when it is missing (and !required). */
static zip_file_t *open_entry(zip_t *za, const char *name, size_t cap, bool required,
                              extract_out_t *out, status_t *st)
{
    zip_stat_t zs;
    zip_int64_t idx = zip_name_locate(za, name, 0);
    *st = ST_OK;
    if (idx < 0) {
        if (required)
            *st = extract_out_fail(out, 422, "the DOCX file has no document text (%s is missing)",
                                   name);
        return NULL;
    }
    zip_stat_init(&zs);
    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &zs) != 0) {
        *st = extract_out_fail(out, 422, "the DOCX file is damaged (%s cannot be read)", name);
        return NULL;
    }
    if ((zs.valid & ZIP_STAT_ENCRYPTION_METHOD) && zs.encryption_method != ZIP_EM_NONE) {
        *st = extract_out_fail(out, 422, "the DOCX file is password-protected");
        return NULL;
    }
    bool ratio = (zs.valid & ZIP_STAT_COMP_SIZE) && (zs.valid & ZIP_STAT_SIZE) &&
                 zs.size > 1024 * 1024 &&
                 zs.size / (zs.comp_size ? zs.comp_size : 1) > EXTRACT_DOCX_MAX_RATIO;
    if ((zs.valid & ZIP_STAT_SIZE) && zs.size > cap) {
        *st = extract_out_fail(out, 422, "the file expands to more than %zu MB", cap >> 20);
        return NULL;
    }
    if (ratio) {
        *st =
            extract_out_fail(out, 422,
                             "the file expands to more than %llu MB from %llu KB: more than %d "
                             "times, which no document does",
                             (unsigned long long)(zs.size >> 20),
                             (unsigned long long)(zs.comp_size >> 10) + 1, EXTRACT_DOCX_MAX_RATIO);
        return NULL;
    }
    zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!zf)
        *st = extract_out_fail(out, 422, "the DOCX file is damaged (%s cannot be read)", name);
    return zf;
}

static xmlTextReaderPtr reader_new(zread_t *z)
{
    xmlTextReaderPtr r = xmlReaderForIO(zread_cb, NULL, z, NULL, NULL,
                                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (r)
        xmlTextReaderSetErrorHandler(r, quiet, NULL);
    return r;
}

static char *attr(xmlTextReaderPtr r, const char *name)
{
    return (char *)xmlTextReaderGetAttributeNs(r, (const xmlChar *)name, (const xmlChar *)W_NS);
}

static bool is_w(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);
    return ns && strcmp((const char *)ns, W_NS) == 0 &&
           strcmp((const char *)xmlTextReaderConstLocalName(r), local) == 0;
}

/* "Heading3", "heading 3", "Заголовок 3", "Title" -> 3 / 1; 0 otherwise. */
static int level_from_name(const char *s)
{
    static const char *const prefixes[] = {"heading", "заголовок"};
    if (!s)
        return 0;
    if (strcasecmp(s, "title") == 0 || strcmp(s, "Название") == 0 || strcmp(s, "Заголовок") == 0)
        return 1;
    for (size_t i = 0; i < ARRAY_LEN(prefixes); i++) {
        size_t n = strlen(prefixes[i]);
        bool match = strncasecmp(s, prefixes[i], n) == 0;
        if (!match && i == 1) /* Russian capital З: strncasecmp does not fold Cyrillic */
            match = strncmp(s, "Заголовок", n) == 0;
        if (!match)
            continue;
        const char *p = s + n;
        while (*p == ' ')
            p++;
        if (p[0] >= '1' && p[0] <= '9' && p[1] == '\0')
            return p[0] - '0' > 6 ? 6 : p[0] - '0';
    }
    return 0;
}

static int style_level(const styles_t *ss, const char *id)
{
    if (!id)
        return 0;
    for (size_t i = 0; i < ss->n; i++)
        if (strcmp(ss->items[i].id, id) == 0)
            return ss->items[i].level;
    return level_from_name(id);
}

/* word/styles.xml: paragraph styles that are headings, by name or outline level. */
static status_t read_styles(zip_t *za, styles_t *ss, extract_out_t *out)
{
    status_t st;
    zread_t z = {.cap = SMALL_XML};
    if (!(z.zf = open_entry(za, "word/styles.xml", SMALL_XML, false, out, &st)))
        return st;
    xmlTextReaderPtr r = reader_new(&z);
    style_t cur = {0};
    int ret;
    while (r && (ret = xmlTextReaderRead(r)) == 1) {
        if (xmlTextReaderNodeType(r) == XML_READER_TYPE_END_ELEMENT && is_w(r, "style")) {
            if (cur.id && cur.level > 0 && ss->n < MAX_STYLES) {
                ss->items = xrealloc(ss->items, (ss->n + 1) * sizeof *ss->items);
                ss->items[ss->n++] = cur;
                cur.id = NULL;
            }
            free(cur.id);
            cur = (style_t){0};
            continue;
        }
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
            continue;
        if (is_w(r, "style")) {
            free(cur.id);
            cur = (style_t){0};
            char *type = attr(r, "type");
            if (type && strcmp(type, "paragraph") == 0)
                cur.id = attr(r, "styleId");
            xmlFree(type);
        } else if (cur.id && is_w(r, "name")) {
            char *v = attr(r, "val");
            if (!cur.level)
                cur.level = level_from_name(v);
            xmlFree(v);
        } else if (cur.id && is_w(r, "outlineLvl")) {
            char *v = attr(r, "val");
            int l = v ? atoi(v) : 9;
            if (l >= 0 && l < 6)
                cur.level = l + 1;
            xmlFree(v);
        }
    }
    free(cur.id);
    xmlFreeTextReader(r);
    zip_fclose(z.zf);
    return ST_OK; /* styles are a hint: a broken styles.xml only loses heading levels */
}

static void styles_free(styles_t *ss)
{
    for (size_t i = 0; i < ss->n; i++)
        free(ss->items[i].id);
    free(ss->items);
}

/* docProps/core.xml's dc:title. */
static void read_title(zip_t *za, extract_out_t *out)
{
    status_t st;
    zread_t z = {.cap = SMALL_XML};
    extract_out_t scratch;
    extract_out_init(&scratch, "docx", NULL);
    if (!(z.zf = open_entry(za, "docProps/core.xml", SMALL_XML, false, &scratch, &st))) {
        extract_out_cleanup(&scratch);
        return;
    }
    xmlTextReaderPtr r = reader_new(&z);
    bool in_title = false;
    while (r && xmlTextReaderRead(r) == 1) {
        int t = xmlTextReaderNodeType(r);
        const char *local = (const char *)xmlTextReaderConstLocalName(r);
        if (t == XML_READER_TYPE_ELEMENT && strcmp(local, "title") == 0)
            in_title = !xmlTextReaderIsEmptyElement(r);
        else if (t == XML_READER_TYPE_END_ELEMENT)
            in_title = false;
        else if (in_title && t == XML_READER_TYPE_TEXT) {
            const char *v = (const char *)xmlTextReaderConstValue(r);
            extract_out_title(out, v, strlen(v));
            break;
        }
    }
    xmlFreeTextReader(r);
    zip_fclose(z.zf);
    extract_out_cleanup(&scratch);
}

typedef struct {
    xmlTextReaderPtr r;
    const styles_t *styles;
    extract_out_t *out;
    buf_t para;    /* the paragraph's text */
    buf_t row;     /* the table row's cells so far */
    buf_t cell;    /* the cell's text */
    int style_lvl; /* the paragraph's heading level (style or outline) */
    int ilvl;      /* list depth - 1, -1 when not a list item */
    int tbl;       /* table nesting */
    int cells;     /* cells in the row */
    bool in_t;     /* inside w:t */
} body_t;

static status_t end_paragraph(body_t *b)
{
    status_t st = ST_OK;
    if (b->tbl > 0) { /* a paragraph inside a cell joins the cell's text */
        if (b->para.len) {
            if (b->cell.len)
                buf_putc(&b->cell, ' ');
            buf_append(&b->cell, b->para.data, b->para.len);
        }
    } else if (b->para.len) {
        chunk_kind_t kind = b->style_lvl   ? CHUNK_HEADING
                            : b->ilvl >= 0 ? CHUNK_LIST_ITEM
                                           : CHUNK_PARAGRAPH;
        int level = b->style_lvl ? b->style_lvl : b->ilvl >= 0 ? b->ilvl + 1 : 0;
        st = extract_out_block(b->out, kind, level, b->para.data, b->para.len, 0);
    }
    buf_reset(&b->para);
    b->style_lvl = 0;
    b->ilvl = -1;
    return st;
}

static void end_cell(body_t *b)
{
    if (b->tbl == 1) {
        if (b->cells++)
            buf_puts(&b->row, " | ");
        for (size_t i = 0; i < b->cell.len; i++) /* one row is one line */
            if (b->cell.data[i] == '\n')
                b->cell.data[i] = ' ';
        buf_append(&b->row, b->cell.data ? b->cell.data : "", b->cell.len);
        buf_reset(&b->cell);
    }
}

static status_t end_row(body_t *b)
{
    status_t st = ST_OK;
    if (b->tbl == 1 && b->row.len)
        st = extract_out_block(b->out, CHUNK_TABLE_ROW, 0, b->row.data, b->row.len, 0);
    if (b->tbl == 1) {
        buf_reset(&b->row);
        b->cells = 0;
    }
    return st;
}

static status_t on_element(body_t *b)
{
    xmlTextReaderPtr r = b->r;
    bool empty = xmlTextReaderIsEmptyElement(r);
    status_t st = ST_OK;
    if (is_w(r, "p")) {
        buf_reset(&b->para);
        b->style_lvl = 0;
        b->ilvl = -1;
    } else if (is_w(r, "pStyle")) {
        char *v = attr(r, "val");
        b->style_lvl = style_level(b->styles, v);
        xmlFree(v);
    } else if (is_w(r, "outlineLvl")) {
        char *v = attr(r, "val");
        int l = v ? atoi(v) : 9;
        if (l >= 0 && l < 6)
            b->style_lvl = l + 1;
        xmlFree(v);
    } else if (is_w(r, "numPr")) {
        if (b->ilvl < 0)
            b->ilvl = 0;
    } else if (is_w(r, "ilvl")) {
        char *v = attr(r, "val");
        int l = v ? atoi(v) : 0;
        b->ilvl = l < 0 ? 0 : l > 8 ? 8 : l;
        xmlFree(v);
    } else if (is_w(r, "t")) {
        b->in_t = !empty;
    } else if (is_w(r, "tab")) {
        buf_putc(&b->para, '\t');
    } else if (is_w(r, "br") || is_w(r, "cr")) {
        buf_putc(&b->para, '\n');
    } else if (is_w(r, "tbl")) {
        if (!empty)
            b->tbl++;
    } else if (is_w(r, "tc") && empty) {
        end_cell(b);
    }
    return st;
}

static status_t on_end(body_t *b)
{
    xmlTextReaderPtr r = b->r;
    if (is_w(r, "t"))
        b->in_t = false;
    else if (is_w(r, "p"))
        return end_paragraph(b);
    else if (is_w(r, "tc"))
        end_cell(b);
    else if (is_w(r, "tr"))
        return end_row(b);
    else if (is_w(r, "tbl") && b->tbl > 0)
        b->tbl--;
    return ST_OK;
}

static status_t read_body(zip_t *za, const styles_t *ss, extract_out_t *out)
{
    status_t st;
    zread_t z = {.cap = EXTRACT_DOCX_MAX_XML};
    if (!(z.zf = open_entry(za, "word/document.xml", EXTRACT_DOCX_MAX_XML, true, out, &st)))
        return st;
    body_t b = {.styles = ss, .out = out, .ilvl = -1};
    b.r = reader_new(&z);
    int ret = -1;
    while (b.r && st == ST_OK && (ret = xmlTextReaderRead(b.r)) == 1) {
        switch (xmlTextReaderNodeType(b.r)) {
        case XML_READER_TYPE_ELEMENT:
            st = on_element(&b);
            break;
        case XML_READER_TYPE_END_ELEMENT:
            st = on_end(&b);
            break;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        case XML_READER_TYPE_CDATA:
            if (b.in_t)
                buf_puts(&b.para, (const char *)xmlTextReaderConstValue(b.r));
            break;
        default:
            break;
        }
    }
    if (st == ST_OK && z.over)
        st = extract_out_fail(out, 422, "the file expands to more than %u MB",
                              EXTRACT_DOCX_MAX_XML >> 20);
    else if (st == ST_OK && ret != 0)
        st = extract_out_fail(out, 422, "the DOCX file is damaged (its text is not readable XML)");
    xmlFreeTextReader(b.r);
    zip_fclose(z.zf);
    buf_cleanup(&b.para);
    buf_cleanup(&b.row);
    buf_cleanup(&b.cell);
    return st;
}

status_t extract_docx(const void *data, size_t len, extract_out_t *out)
{
    zip_error_t err;
    zip_t *za = NULL;
    styles_t ss = {0};
    status_t st;

    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &err);
    if (src && !(za = zip_open_from_source(src, ZIP_RDONLY, &err)))
        zip_source_free(src);
    if (!za) {
        st = extract_out_fail(out, 422, "the DOCX file is damaged (not a readable zip archive)");
        goto done;
    }
    if ((st = read_styles(za, &ss, out)))
        goto done;
    read_title(za, out);
    st = read_body(za, &ss, out);
done:
    styles_free(&ss);
    if (za)
        zip_discard(za);
    zip_error_fini(&err);
    return st;
}
