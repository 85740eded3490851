/* test_pipeline_formats.c - every format end to end through the stack: a PDF (extract's
 * fixture sample.pdf), a DOCX, a UTF-8 TXT, a Markdown file and a Windows-1251 TXT uploaded
 * through the edge into one organisation, extracted in the sandbox, chunked, embedded and
 * indexed (status ready with pages and chunks), then each found first by POST /api/kb/retrieve
 * with a question in Russian and one in English among the five; the chunks keep their source
 * (page, heading path). The other files are made here, each about its own subject, so the
 * questions know what each says. */
#include <iconv.h>

#include "pipeline_helpers.h"

typedef struct {
    const char *name, *ru, *en;
    char *id;
} doc_t;

/* A DOCX of the given blocks (tests/support/gen_docx.py). */
static char *make_docx(const char *const *blocks, size_t *len)
{
    char *path = fmt("%s/pipeline-e2e-%d.docx", harness_env("VAR_DIR"), (int)getpid());
    buf_t cmd = BUF_INIT;
    buf_printf(&cmd, "tests/support/gen_docx.py %s", path);
    for (size_t i = 0; blocks[i]; i++)
        buf_printf(&cmd, " '%s'", blocks[i]);
    cr_assert_eq(system(cmd.data), 0, "%s", cmd.data);
    char *data = pipeline_slurp(path, len);
    cr_assert_not_null(data);
    unlink(path);
    buf_cleanup(&cmd);
    free(path);
    return data;
}

/* utf8 converted to Windows-1251 (heap). */
static char *to_cp1251(const char *utf8, size_t *len)
{
    iconv_t cd = iconv_open("WINDOWS-1251", "UTF-8");
    cr_assert_neq(cd, (iconv_t)-1);
    size_t in_left = strlen(utf8), out_size = in_left + 1, out_left = out_size;
    char *out = xcalloc(out_size, 1), *in = (char *)utf8, *o = out;
    cr_assert_neq(iconv(cd, &in, &in_left, &o, &out_left), (size_t)-1);
    iconv_close(cd);
    *len = out_size - out_left;
    return out;
}

static const char TXT[] =
    "Склад и самовывоз\n\n"
    "Наш склад в Казани работает с восьми утра до десяти вечера без выходных. Самовывоз "
    "заказов возможен в любое время работы склада по коду из письма.\n\n"
    "Warehouse and pickup\n\n"
    "Our Kazan warehouse is open from eight in the morning until ten at night, every day. "
    "Orders can be picked up at any time the warehouse is open, with the code from the email.\n";

static const char MD[] = "# Доставка дронами\n\n"
                         "Доставка дронами по Новосибирску занимает сорок минут, если посылка "
                         "весит не больше трёх килограммов.\n\n"
                         "## Drone delivery\n\n"
                         "Drone delivery across Novosibirsk takes forty minutes when the parcel "
                         "weighs no more than three kilograms.\n\n"
                         "- Дроны не летают в грозу.\n- Drones do not fly in thunderstorms.\n";

static const char CP1251[] =
    "Гарантия на холодильники «Полюс» составляет семь лет с даты покупки, а на компрессор "
    "десять лет. Для ремонта по гарантии сохраните кассовый чек.\n\n"
    "The warranty on Polus refrigerators is seven years from the date of purchase, and ten "
    "years on the compressor. Keep the receipt for warranty repairs.\n";

static const char *const DOCX[] = {
    "# Возврат подарочных сертификатов",
    "Подарочный сертификат можно вернуть в течение тридцати дней, если им ещё не "
    "расплачивались.",
    "- Деньги возвращаются на карту, с которой сертификат был оплачен.",
    "## Gift certificate refunds",
    "A gift certificate can be refunded within thirty days if it has not been used to pay.",
    "- The money goes back to the card the certificate was paid with.",
    NULL,
};

Test(pipeline_formats, each_format_ready_and_found_in_russian_and_english, .timeout = 300)
{
    person_t owner = {0};
    person_sign_up(&owner, "formats");
    char *cat = mk_category(&owner, "Документы", NULL);
    size_t len = 0;
    doc_t docs[] = {
        {"sample.pdf", "Можно ли заселиться с собакой?", "Where do guests park?", NULL},
        {"certificates.docx", "Можно ли вернуть подарочный сертификат?",
         "Can a gift certificate be refunded?", NULL},
        {"warehouse.txt", "Когда работает склад в Казани?", "When is the Kazan warehouse open?",
         NULL},
        {"drones.md", "Сколько занимает доставка дронами по Новосибирску?",
         "How long does drone delivery across Novosibirsk take?", NULL},
        {"warranty-cp1251.txt", "Какая гарантия на холодильники Полюс?",
         "What is the warranty on Polus refrigerators?", NULL},
    };
    docs[0].id = kb_upload_file(&owner, "tests/fixtures/documents/sample.pdf", cat);
    char *docx = make_docx(DOCX, &len);
    docs[1].id = kb_upload(&owner, docs[1].name, docx, len, cat, NULL);
    free(docx);
    docs[2].id = kb_upload(&owner, docs[2].name, TXT, strlen(TXT), cat, NULL);
    docs[3].id = kb_upload(&owner, docs[3].name, MD, strlen(MD), cat, NULL);
    char *cp = to_cp1251(CP1251, &len);
    docs[4].id = kb_upload(&owner, docs[4].name, cp, len, cat, NULL);
    free(cp);

    for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
        kb_doc_t d;
        cr_assert_not_null(docs[i].id, "%s uploaded", docs[i].name);
        kb_wait_ready(&owner, docs[i].id, &d);
        cr_assert_gt(d.chunks, 0, "%s has chunks", docs[i].name);
        cr_assert_eq(d.progress, 100);
        if (i == 0)
            cr_assert_eq(d.pages, 2, "the PDF's pages");
        kb_doc_cleanup(&d);
    }
    /* The Windows-1251 file was read as such. */
    char *path = fmt("/api/kb/documents/%s", docs[4].id);
    char *enc = call(&owner, "GET", path, NULL, 200, "encoding");
    cr_assert(enc && (strcasecmp(enc, "windows-1251") == 0 || strcasecmp(enc, "cp1251") == 0),
              "encoding %s", enc ? enc : "(none)");
    free(enc);
    free(path);

    for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
        cr_assert_eq(kb_rank(&owner, docs[i].ru, NULL, 5, docs[i].id), 1, "%s: %s", docs[i].name,
                     docs[i].ru);
        cr_assert_eq(kb_rank(&owner, docs[i].en, NULL, 5, docs[i].id), 1, "%s: %s", docs[i].name,
                     docs[i].en);
    }

    /* The chunks keep their source: the PDF's pages, the Markdown's headings. */
    httpc_resp_t r = HTTPC_RESP_INIT;
    path = fmt("/api/kb/documents/%s/chunks?per_page=100", docs[0].id);
    call_resp(&owner, "GET", path, NULL, 200, &r);
    json_t *items = httpc_json_path(httpc_resp_json(&r), "items");
    cr_assert_geq(json_array_size(items), 1);
    bool page2 = false;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *c = json_array_get(items, i);
        const char *text = json_string_value(json_object_get(c, "text"));
        if (text && strstr(text, "Собаки и кошки"))
            page2 = json_integer_value(json_object_get(c, "page")) == 2;
    }
    cr_assert(page2, "the passage about pets is on page 2: %s", r.body.data);
    httpc_resp_cleanup(&r);
    free(path);
    path = fmt("/api/kb/documents/%s/chunks", docs[3].id);
    call_resp(&owner, "GET", path, NULL, 200, &r);
    cr_assert(strstr(r.body.data, "\"heading_path\":\"Доставка дронами"), "heading path: %s",
              r.body.data);
    httpc_resp_cleanup(&r);
    free(path);

    for (size_t i = 0; i < ARRAY_LEN(docs); i++)
        free(docs[i].id);
    free(cat);
    person_free(&owner);
}
