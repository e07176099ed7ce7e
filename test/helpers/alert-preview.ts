import type { AlertMessage } from '../../functions/core/discord/alert-messages.js';

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Discord's markdown as scanfleet's alerts use it: `**bold**` and line breaks. */
const markdown = (text: string) =>
  escape(text)
    .replace(/\*\*(.+?)\*\*/g, '<b>$1</b>')
    .replace(/\n/g, '<br>');

/**
 * A webhook payload drawn the way Discord lays an embed out (content, then each embed: a coloured
 * bar, its title, description, fields and footer), under a label saying what it is: there is no
 * Discord client here, so the docs show this preview of the exact JSON a channel received.
 */
export function alertPreviewHtml(payload: AlertMessage, label: string): string {
  const embeds = payload.embeds
    .map((embed) => {
      const colour = `#${(embed.color ?? 0x4f545c).toString(16).padStart(6, '0')}`;
      const fields = (embed.fields ?? [])
        .map((f) => `<div class="field"><div class="name">${markdown(f.name)}</div>${markdown(f.value)}</div>`)
        .join('');
      return `<article class="embed" style="border-left-color:${colour}">
  ${embed.title ? `<h2>${markdown(embed.title)}</h2>` : ''}
  ${embed.description ? `<p>${markdown(embed.description)}</p>` : ''}${fields}
  ${embed.footer ? `<footer>${markdown(embed.footer.text)}</footer>` : ''}
</article>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>scanfleet alert: payload preview</title>
<style>
  body { margin: 0; padding: 16px; background: #313338; color: #dbdee1; font: 15px/1.4 system-ui, sans-serif; width: 640px; }
  .label { font-size: 12px; color: #949ba4; border: 1px dashed #4e5058; padding: 4px 8px; margin-bottom: 12px; }
  .author { font-weight: 600; color: #f2f3f5; }
  .embed { background: #2b2d31; border-left: 4px solid; border-radius: 4px; padding: 8px 12px; margin-top: 6px; }
  h2 { font-size: 15px; margin: 0 0 6px; color: #f2f3f5; }
  p { margin: 0; }
  .field { margin-top: 6px; } .name { font-weight: 600; }
  footer { font-size: 12px; color: #949ba4; margin-top: 8px; }
</style>
</head>
<body>
<div class="label">${escape(label)}</div>
<div class="author">scanfleet</div>
<div class="content">${markdown(payload.content)}</div>
${embeds}
</body>
</html>
`;
}
