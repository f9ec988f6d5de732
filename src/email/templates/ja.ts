import { expiryParts } from "../locale.js";
import type { LocaleMessages } from "./messages.js";

export const ja: LocaleMessages = {
  locale: "ja",
  subject:
    "{{#reminder}}【リマインダー】{{/reminder}}{{#inviter}}{{inviter}}さんから{{organization}}への招待が届いています{{/inviter}}{{^inviter}}{{organization}}への招待が届いています{{/inviter}}",
  preheader: "{{organization}}への招待の有効期限は{{expiry}}です。",
  heading: "{{organization}}への招待",
  intro:
    "{{#inviter}}{{inviter}}さんが、あなたを{{organization}}に{{#roles}}{{roles}}として{{/roles}}招待しました。{{/inviter}}{{^inviter}}あなたは{{organization}}に{{#roles}}{{roles}}として{{/roles}}招待されています。{{/inviter}}",
  reminder: "この招待はまだ承諾されていません。お早めにご確認ください。",
  button: "招待を承諾する",
  expiry: "この招待の有効期限は{{expiry}}です。",
  fallback: "ボタンが機能しない場合は、以下のリンクをコピーしてブラウザに貼り付けてください。",
  ignore: "この招待に心当たりがない場合は、このメールを破棄してください。承諾しない限り、何も変更されません。",
  footer: "このメールは{{#brand}}{{brand}}から{{/brand}}{{email}}宛てに送信されました。",
  formatExpiry(at) {
    const { date, time } = expiryParts("ja", at);
    return `${date} ${time}（UTC）`;
  },
};
