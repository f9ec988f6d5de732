import type { AcceptMessages } from "./types.js";

export const zhCN: AcceptMessages = {
  pending: {
    eyebrow: "组织邀请",
    heading: (org) => `加入 ${org}`,
    lead: (org, inviter) => (inviter ? `${inviter} 邀请您加入 ${org}。` : `您受邀加入 ${org}。`),
    email: "受邀邮箱",
    invitedBy: "邀请人",
    roles: () => "角色",
    expires: "有效期至",
    accept: "接受邀请",
    decline: "拒绝",
    note: "如果您没有预料到这份邀请，可以拒绝或直接忽略。",
  },
  success: {
    heading: (org) => `欢迎加入 ${org}`,
    body: (org) => `您已成为 ${org} 的成员。`,
    redirecting: (host) => `正在前往 ${host}…`,
    continueTo: (host) => `继续前往 ${host}`,
    closePage: "您现在可以关闭此页面。",
  },
  declinedNow: {
    heading: "已拒绝邀请",
    body: (org) => `您已拒绝加入 ${org} 的邀请。`,
  },
  expired: {
    heading: "此邀请已过期",
    body: (org, date) => `加入 ${org} 的邀请已于 ${date} 过期。`,
  },
  revoked: {
    heading: "此邀请已被撤销",
    body: (org) => `加入 ${org} 的邀请已被撤销，不再有效。`,
  },
  declined: {
    heading: "此邀请已被拒绝",
    body: (org) => `加入 ${org} 的邀请已被拒绝。`,
  },
  accepted: {
    heading: "此邀请已被接受",
    body: (org, date) => `加入 ${org} 的邀请已于 ${date} 被接受。`,
  },
  unknown: {
    heading: "此邀请链接无效",
    body: "链接可能不完整或已失效。请确认您打开的是邮件中的完整链接。",
  },
  alreadyMember: {
    heading: "您已经是成员",
    body: (email, org) => `${email} 已经是 ${org} 的成员，无需再次接受邀请。`,
  },
  memberLimit: {
    heading: "该组织成员已满",
    body: (org) => `${org} 的成员数量已达上限，暂时无法接受此邀请。邀请仍然有效，请稍后再试。`,
  },
  tooMany: {
    heading: "尝试次数过多",
    body: "为保障安全，您所在网络对邀请链接的访问已被暂时限制。请等待一分钟后再试。",
  },
  error: {
    heading: "出现了问题",
    body: "无法完成您的请求，请稍后再试。",
  },
  askNew: (inviter) => (inviter ? `如果您仍想加入，请联系 ${inviter} 重新发送邀请。` : "如果您仍想加入，请联系邀请您的人重新发送邀请。"),
};
