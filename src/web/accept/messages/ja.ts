import type { AcceptMessages } from "./types.js";

export const ja: AcceptMessages = {
  pending: {
    eyebrow: "組織への招待",
    heading: (org) => `${org} に参加`,
    lead: (org, inviter) => (inviter ? `${inviter} さんがあなたを ${org} に招待しました。` : `あなたは ${org} に招待されました。`),
    email: "招待先",
    invitedBy: "招待者",
    roles: () => "ロール",
    expires: "有効期限",
    accept: "招待を承諾する",
    decline: "辞退する",
    note: "心当たりがない場合は、辞退するか、このまま無視してください。",
  },
  success: {
    heading: (org) => `${org} へようこそ`,
    body: (org) => `${org} のメンバーになりました。`,
    redirecting: (host) => `${host} に移動しています…`,
    continueTo: (host) => `${host} へ進む`,
    closePage: "このページは閉じてかまいません。",
  },
  declinedNow: {
    heading: "招待を辞退しました",
    body: (org) => `${org} への招待を辞退しました。`,
  },
  expired: {
    heading: "この招待は有効期限が切れています",
    body: (org, date) => `${org} への招待は ${date} に有効期限が切れました。`,
  },
  revoked: {
    heading: "この招待は取り消されました",
    body: (org) => `${org} への招待は取り消されたため、現在は無効です。`,
  },
  declined: {
    heading: "この招待は辞退済みです",
    body: (org) => `${org} への招待はすでに辞退されています。`,
  },
  accepted: {
    heading: "この招待は承諾済みです",
    body: (org, date) => `${org} への招待は ${date} に承諾されました。`,
  },
  unknown: {
    heading: "この招待リンクは使用できません",
    body: "リンクが途中で切れているか、すでに無効になっている可能性があります。メールに記載されたリンク全体を開いているかご確認ください。",
  },
  alreadyMember: {
    heading: "すでにメンバーです",
    body: (email, org) => `${email} はすでに ${org} のメンバーです。承諾の手続きは必要ありません。`,
  },
  memberLimit: {
    heading: "メンバー数が上限に達しています",
    body: (org) =>
      `${org} はメンバー数の上限に達しているため、現在この招待を承諾できません。招待は引き続き有効ですので、時間をおいてもう一度お試しください。`,
  },
  tooMany: {
    heading: "試行回数が多すぎます",
    body: "セキュリティ保護のため、お使いのネットワークからの招待リンクへのアクセスを一時的に制限しています。1 分ほど待ってから、もう一度お試しください。",
  },
  error: {
    heading: "問題が発生しました",
    body: "リクエストを完了できませんでした。しばらくしてから、もう一度お試しください。",
  },
  askNew: (inviter) =>
    inviter
      ? `参加を希望される場合は、${inviter} さんに新しい招待を依頼してください。`
      : "参加を希望される場合は、招待した方に新しい招待を依頼してください。",
};
