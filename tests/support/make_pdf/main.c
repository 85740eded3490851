/* make-pdf - writes an N-page PDF of Russian and English prose with cairo, for the benchmarks
 * (tests/bench/bench_extract.c, ingest's pipeline benchmark measures PDF pages per second).
 * Every page has a heading line and paragraphs of ordinary sentences, as a price list or a
 * handbook would; the text varies per page (page numbers and rotating sentences), so no two
 * pages are equal.
 *
 *     make-pdf OUT.pdf PAGES
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const sentences[] = {
    "A double room costs 120 euros per night, breakfast included.",
    "Check-in starts at 14:00 and check-out is until 12:00.",
    "Guests park for free in the underground garage on level -1.",
    "The spa is open from 8:00 to 22:00 every day except Monday.",
    "Двухместный номер стоит 120 евро за ночь, завтрак включён.",
    "Заезд начинается в 14:00, выезд до 12:00 по местному времени.",
    "Собаки и кошки проживают бесплатно, если весят меньше 10 кг.",
    "Трансфер из аэропорта заказывается за сутки до прибытия.",
    "Late check-out until 16:00 costs 30 euros and depends on availability.",
    "Поздний выезд до 16:00 стоит 30 евро и возможен при наличии мест.",
};

int main(int argc, char **argv)
{
    if (argc != 3 || atoi(argv[2]) <= 0) {
        fprintf(stderr, "usage: make-pdf OUT.pdf PAGES\n");
        return 2;
    }
    int pages = atoi(argv[2]);
    cairo_surface_t *s = cairo_pdf_surface_create(argv[1], 595, 842);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "Benchmark handbook");
    cairo_t *c = cairo_create(s);
    cairo_select_font_face(c, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    size_t n = sizeof sentences / sizeof *sentences, k = 0;
    for (int p = 0; p < pages; p++) {
        char head[64];
        double y = 60;
        snprintf(head, sizeof head, "Section %d: rules and prices", p + 1);
        cairo_set_font_size(c, 14);
        cairo_move_to(c, 50, y);
        cairo_show_text(c, head);
        y += 30;
        cairo_set_font_size(c, 10);
        while (y < 780) { /* paragraphs of 3 lines, a gap between them */
            for (int l = 0; l < 3; l++, y += 14) {
                cairo_move_to(c, 50, y);
                cairo_show_text(c, sentences[k++ % n]);
            }
            y += 14;
        }
        cairo_show_page(c);
    }
    cairo_destroy(c);
    cairo_surface_finish(s);
    int rc = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS ? 0 : 1;
    cairo_surface_destroy(s);
    return rc;
}
