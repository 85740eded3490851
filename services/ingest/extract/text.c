/* text.c - plain text in any common encoding (extract.h): a byte order mark, else UTF-8 when
 * the bytes are valid UTF-8, else libuchardet's guess (Windows-1251, KOI8-R, ...); iconv to
 * UTF-8, bytes that do not convert become U+FFFD. TXT's paragraphs are split on blank lines.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uchardet.h>

#include "services/ingest/extract/extract.h"
#include "shared/text.h"
#include "shared/util.h"

/* uchardet reads this much at most: enough for a confident guess, bounded time. */
#define SNIFF_BYTES (1024 * 1024)

static const struct {
    const char *bom;
    size_t len;
    const char *enc;
} boms[] = {
    {"\xFF\xFE\x00\x00", 4, "UTF-32LE"}, {"\x00\x00\xFE\xFF", 4, "UTF-32BE"},
    {"\xEF\xBB\xBF", 3, "UTF-8"},        {"\xFF\xFE", 2, "UTF-16LE"},
    {"\xFE\xFF", 2, "UTF-16BE"},
};

status_t extract_decoder_open(extract_decoder_t *dec, const void *data, size_t len,
                              extract_out_t *out)
{
    const unsigned char *p = data;
    *dec = (extract_decoder_t){.enc = ""};
    for (size_t i = 0; i < ARRAY_LEN(boms) && !dec->enc[0]; i++)
        if (len >= boms[i].len && memcmp(p, boms[i].bom, boms[i].len) == 0) {
            snprintf(dec->enc, sizeof dec->enc, "%s", boms[i].enc);
            dec->skip = boms[i].len;
        }
    if (!dec->enc[0] && text_utf8_count(data, len) >= 0)
        snprintf(dec->enc, sizeof dec->enc, "UTF-8");
    if (!dec->enc[0]) {
        uchardet_t ud = uchardet_new();
        uchardet_handle_data(ud, data, len < SNIFF_BYTES ? len : SNIFF_BYTES);
        uchardet_data_end(ud);
        const char *cs = uchardet_get_charset(ud);
        /* no guess: Windows-1252 decodes every byte (but five) to something readable */
        snprintf(dec->enc, sizeof dec->enc, "%s", cs && cs[0] ? cs : "WINDOWS-1252");
        uchardet_delete(ud);
    }
    /* valid UTF-8 passes as it is; anything said to be UTF-8 that is not goes through iconv,
     * which replaces what does not decode */
    if (strcmp(dec->enc, "UTF-8") == 0 &&
        text_utf8_count((const char *)p + dec->skip, len - dec->skip) >= 0)
        return ST_OK;
    iconv_t cd = iconv_open("UTF-8", dec->enc);
    if (cd == (iconv_t)-1)
        return extract_out_fail(out, 422, "the text's encoding (%s) is not supported", dec->enc);
    dec->cd = cd;
    return ST_OK;
}

void extract_decoder_close(extract_decoder_t *dec)
{
    if (dec && dec->cd) {
        iconv_close((iconv_t)dec->cd);
        dec->cd = NULL;
    }
}

void extract_decoder_run(extract_decoder_t *dec, const void *data, size_t len, char **utf8,
                         size_t *utf8_len)
{
    const char *in = (const char *)data + (len >= dec->skip ? dec->skip : len);
    size_t left = len >= dec->skip ? len - dec->skip : 0;
    buf_t b = BUF_INIT;

    if (!dec->cd) {
        buf_append(&b, in, left);
    } else {
        iconv_t cd = (iconv_t)dec->cd;
        iconv(cd, NULL, NULL, NULL, NULL);
        buf_reserve(&b, left + left / 2 + 16);
        while (left > 0) {
            char *o = b.data + b.len;
            size_t room = b.cap - b.len - 1;
            size_t r = iconv(cd, (char **)&in, &left, &o, &room);
            b.len = (size_t)(o - b.data);
            if (r != (size_t)-1)
                break;
            if (errno == E2BIG) {
                buf_reserve(&b, b.cap);
            } else { /* EILSEQ, EINVAL (truncated at the end): one byte is replaced */
                buf_append(&b, "\xEF\xBF\xBD", 3);
                in++;
                left--;
                iconv(cd, NULL, NULL, NULL, NULL);
            }
        }
        char *o = b.data + b.len;
        size_t room = b.cap - b.len - 1;
        iconv(cd, NULL, NULL, &o, &room); /* the shift state's end */
        b.len = (size_t)(o - b.data);
        b.data[b.len] = '\0';
    }
    *utf8_len = b.len;
    *utf8 = buf_steal(&b);
}

/* TXT: paragraphs are runs of non-blank lines. */
status_t extract_txt_decoded(extract_decoder_t *dec, const void *data, size_t len,
                             extract_out_t *out)
{
    char *text = NULL;
    size_t n = 0;
    status_t st = ST_OK;

    free(out->res.encoding);
    out->res.encoding = xstrdup(dec->enc);
    extract_decoder_run(dec, data, len, &text, &n);
    size_t start = 0, i = 0;
    while (i <= n && st == ST_OK) {
        size_t eol = i;
        while (eol < n && text[eol] != '\n')
            eol++;
        bool blank = true;
        for (size_t j = i; j < eol && blank; j++)
            blank = strchr(" \t\r\f\v", text[j]) != NULL;
        if (blank || eol >= n) {
            size_t end = blank ? i : n;
            if (end > start)
                st = extract_out_block(out, CHUNK_PARAGRAPH, 0, text + start, end - start, 0);
            start = eol + 1;
        }
        i = eol + 1;
    }
    free(text);
    return st;
}

status_t extract_with_decoder(extract_decoded_fn fn, const void *data, size_t len,
                              extract_out_t *out)
{
    extract_decoder_t dec;
    status_t st = extract_decoder_open(&dec, data, len, out);
    if (st == ST_OK)
        st = fn(&dec, data, len, out);
    extract_decoder_close(&dec);
    return st;
}

status_t extract_txt(const void *data, size_t len, extract_out_t *out)
{
    return extract_with_decoder(extract_txt_decoded, data, len, out);
}
