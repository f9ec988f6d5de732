import { expiryParts } from "../locale.js";
import type { LocaleMessages } from "./messages.js";

export const zhCN: LocaleMessages = {
  locale: "zh-CN",
  subject:
    "{{#reminder}}提醒：{{/reminder}}{{#inviter}}{{inviter}}邀请您加入{{organization}}{{/inviter}}{{^inviter}}您已受邀加入{{organization}}{{/inviter}}",
  preheader: "您加入{{organization}}的邀请将于{{expiry}}过期。",
  heading: "加入{{organization}}",
  intro:
    "{{#inviter}}{{inviter}}邀请您{{#roles}}以{{roles}}的身份{{/roles}}加入{{organization}}。{{/inviter}}{{^inviter}}您已受邀{{#roles}}以{{roles}}的身份{{/roles}}加入{{organization}}。{{/inviter}}",
  reminder: "温馨提醒：您的邀请仍在等待您接受。",
  button: "接受邀请",
  expiry: "此邀请将于{{expiry}}过期。",
  fallback: "如果按钮无法点击，请将以下链接复制到浏览器中打开：",
  ignore: "如果您并未预期收到此邀请，请忽略这封邮件。除非您接受邀请，否则不会有任何变化。",
  footer: "此邀请{{#brand}}由{{brand}}{{/brand}}发送至{{email}}。",
  formatExpiry(at) {
    const { date, time } = expiryParts("zh-CN", at);
    return `${date} ${time}（UTC）`;
  },
};
