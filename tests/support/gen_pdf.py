#!/usr/bin/python3
"""gen_pdf.py - a many-page PDF with real text for the pipeline's tests and its benchmark.

    tests/support/gen_pdf.py OUT.pdf PAGES      (Debian's python3-cairo: /usr/bin/python3)

Each page is a section with a heading and about 2,500 characters of Russian and English prose
(DejaVu Sans through cairo, so the text layer is what a word processor would write). Page N
states facts only it holds, so a question finds its page:
"Тариф «Орбита-N» стоит N*10+7 рублей" / "The Orbit-N plan costs N*10+7 roubles".
"""
import sys

import cairo

FILLER_RU = ("Договор поставки заключается между поставщиком и покупателем на срок не менее "
             "одного года. Оплата производится ежемесячно по счёту, выставленному до пятого "
             "числа. Возврат товара возможен в течение четырнадцати дней при сохранении "
             "упаковки и чека. Служба поддержки отвечает на обращения круглосуточно.")
FILLER_EN = ("The supply agreement is signed between the supplier and the buyer for at least "
             "one year. Payment is made monthly against an invoice issued before the fifth day "
             "of the month. Goods may be returned within fourteen days with the packaging and "
             "the receipt. The support team answers requests around the clock.")


def wrap(text, width):
    line, out = "", []
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = (line + " " + word) if line else word
    if line:
        out.append(line)
    return out


def main():
    out, pages = sys.argv[1], int(sys.argv[2])
    surface = cairo.PDFSurface(out, 595, 842)
    ctx = cairo.Context(surface)
    ctx.select_font_face("DejaVu Sans")
    for n in range(1, pages + 1):
        price = n * 10 + 7
        lines = [(16, f"Раздел {n}. Section {n}")]
        body = (f"Тариф «Орбита-{n}» стоит {price} рублей в месяц и включает {n % 9 + 1} "
                f"пользователей. The Orbit-{n} plan costs {price} roubles a month and includes "
                f"{n % 9 + 1} users. " + FILLER_RU + " " + FILLER_EN + " " + FILLER_RU + " " +
                FILLER_EN)
        lines += [(9, l) for l in wrap(body, 95)]
        y = 60
        for size, text in lines:
            ctx.set_font_size(size)
            ctx.move_to(40, y)
            ctx.show_text(text)
            y += size * 1.5 + (8 if size > 10 else 0)
        ctx.show_page()
    surface.finish()


if __name__ == "__main__":
    main()
