import type { AcceptMessages } from "./types.js";

export const de: AcceptMessages = {
  pending: {
    eyebrow: "Sie wurden eingeladen",
    heading: (org) => `${org} beitreten`,
    lead: (org, inviter) => (inviter ? `${inviter} hat Sie eingeladen, ${org} beizutreten.` : `Sie wurden eingeladen, ${org} beizutreten.`),
    email: "Einladung für",
    invitedBy: "Eingeladen von",
    roles: (count) => (count === 1 ? "Rolle" : "Rollen"),
    expires: "Gültig bis",
    accept: "Einladung annehmen",
    decline: "Ablehnen",
    note: "Sie haben diese Einladung nicht erwartet? Dann können Sie sie ablehnen oder einfach ignorieren.",
  },
  success: {
    heading: (org) => `Willkommen bei ${org}`,
    body: (org) => `Sie sind jetzt Mitglied von ${org}.`,
    redirecting: (host) => `Sie werden zu ${host} weitergeleitet …`,
    continueTo: (host) => `Weiter zu ${host}`,
    closePage: "Sie können diese Seite jetzt schließen.",
  },
  declinedNow: {
    heading: "Einladung abgelehnt",
    body: (org) => `Sie haben die Einladung zu ${org} abgelehnt.`,
  },
  expired: {
    heading: "Diese Einladung ist abgelaufen",
    body: (org, date) => `Die Einladung zu ${org} ist am ${date} abgelaufen.`,
  },
  revoked: {
    heading: "Diese Einladung wurde zurückgezogen",
    body: (org) => `Die Einladung zu ${org} wurde zurückgezogen und ist nicht mehr gültig.`,
  },
  declined: {
    heading: "Diese Einladung wurde abgelehnt",
    body: (org) => `Die Einladung zu ${org} wurde bereits abgelehnt.`,
  },
  accepted: {
    heading: "Diese Einladung wurde bereits angenommen",
    body: (org, date) => `Die Einladung zu ${org} wurde am ${date} angenommen.`,
  },
  unknown: {
    heading: "Dieser Einladungslink funktioniert nicht",
    body: "Der Link ist möglicherweise unvollständig oder nicht mehr gültig. Bitte öffnen Sie den vollständigen Link aus Ihrer E-Mail.",
  },
  alreadyMember: {
    heading: "Sie sind bereits Mitglied",
    body: (email, org) => `${email} ist bereits Mitglied von ${org}. Sie müssen nichts weiter tun.`,
  },
  memberLimit: {
    heading: "Keine freien Plätze in dieser Organisation",
    body: (org) =>
      `${org} hat die maximale Zahl an Mitgliedern erreicht, daher kann die Einladung gerade nicht angenommen werden. Sie bleibt gültig – versuchen Sie es bitte später noch einmal.`,
  },
  tooMany: {
    heading: "Zu viele Versuche",
    body: "Zu Ihrer Sicherheit sind Einladungslinks für Ihr Netzwerk kurz gesperrt. Bitte warten Sie eine Minute und versuchen Sie es dann erneut.",
  },
  error: {
    heading: "Etwas ist schiefgelaufen",
    body: "Ihre Anfrage konnte nicht abgeschlossen werden. Bitte versuchen Sie es gleich noch einmal.",
  },
  askNew: (inviter) =>
    inviter
      ? `Wenn Sie weiterhin beitreten möchten, bitten Sie ${inviter} um eine neue Einladung.`
      : "Wenn Sie weiterhin beitreten möchten, bitten Sie die Person, die Sie eingeladen hat, um eine neue Einladung.",
};
