/* hashembed_cases.h - questions with their answer and an unrelated passage, in Russian and
 * English: what test_hashembed.c asserts and bench_embed.c measures the margin of. */
#ifndef TESTS_HASHEMBED_CASES_H
#define TESTS_HASHEMBED_CASES_H

static const struct {
    const char *q, *answer, *other;
} hashembed_qa[] = {
    {"Сколько стоит доставка по Москве?",
     "Стоимость доставки по Москве составляет 300 рублей, за МКАД - 500 рублей.",
     "Наш офис работает с понедельника по пятницу с 9 до 18 часов."},
    {"Как вернуть товар?",
     "Вернуть товар можно в течение 14 дней: оформите возврат в личном кабинете.",
     "Мы принимаем оплату картой, наличными и по счёту для юридических лиц."},
    {"Можно ли оплатить по счёту?",
     "Для юридических лиц доступна оплата по счёту, счёт выставляем за один день.",
     "Гарантия на всё оборудование - два года с даты покупки."},
    {"How much does delivery cost?",
     "Delivery within the city costs $5; orders over $50 are delivered free.",
     "Our support team answers emails within one business day."},
    {"How do I reset my password?",
     "To reset your password, click 'Forgot password' on the sign-in page and follow the link "
     "we email you.",
     "The warranty covers manufacturing defects for two years."},
    {"Do you ship internationally?",
     "We ship to 40 countries; international shipping takes 7-14 days.",
     "You can pay by card, bank transfer or invoice."},
};

#define HASHEMBED_N_QA (sizeof hashembed_qa / sizeof *hashembed_qa)

#endif
