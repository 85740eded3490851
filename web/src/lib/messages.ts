// The services' validation messages are English ("password: must be at least 8 characters").
// The common ones are translated here for the Russian interface; others are shown as sent.
const RU: [RegExp, string | ((...m: string[]) => string)][] = [
  [/^is required$/, 'обязательное поле'],
  [/^must not be empty$/, 'не может быть пустым'],
  [/^must be at least (\d+) characters$/, (_, n) => `не короче ${n} символов`],
  [/^must be at most (\d+) characters$/, (_, n) => `не длиннее ${n} символов`],
  [/^must be valid UTF-8$/, 'содержит недопустимые символы'],
  [/^must not contain control characters$/, 'не должно содержать управляющих символов'],
  [/^is one of the most common passwords.*$/, 'слишком распространённый пароль; выберите менее предсказуемый'],
  [/^must not be your email address$/, 'не должен совпадать с вашим email'],
  [/^must be a valid email address$/, 'некорректный адрес email'],
  [/^must be between (\S+) and (\S+)$/, (_, a, b) => `должно быть от ${a} до ${b}`],
  [/^is incorrect$/, 'неверный пароль'],
  [/^must be a UUID$/, 'некорректный идентификатор'],
  [/^must differ from the current password$/, 'должен отличаться от текущего'],
];

export function localizeDetail(detail: string, lang: string): string {
  if (!lang.startsWith('ru')) return detail;
  for (const [re, out] of RU) {
    const m = re.exec(detail);
    if (m) return typeof out === 'string' ? out : out(...(m as unknown as string[]));
  }
  return detail;
}
