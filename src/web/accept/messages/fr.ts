import type { AcceptMessages } from "./types.js";

// French typography: a no-break space (U+00A0) before « ? », « : » and « ; ».
export const fr: AcceptMessages = {
  pending: {
    eyebrow: "Vous avez reçu une invitation",
    heading: (org) => `Rejoindre ${org}`,
    lead: (org, inviter) => (inviter ? `${inviter} vous invite à rejoindre ${org}.` : `On vous invite à rejoindre ${org}.`),
    email: "Invitation pour",
    invitedBy: "De la part de",
    roles: (count) => (count === 1 ? "Rôle" : "Rôles"),
    expires: "Expire le",
    accept: "Accepter l’invitation",
    decline: "Refuser",
    note: "Vous ne vous attendiez pas à cette invitation\u00a0? Vous pouvez la refuser ou simplement l’ignorer.",
  },
  success: {
    heading: (org) => `Bienvenue chez ${org}`,
    body: (org) => `Vous êtes désormais membre de ${org}.`,
    redirecting: (host) => `Redirection vers ${host}…`,
    continueTo: (host) => `Continuer vers ${host}`,
    closePage: "Vous pouvez fermer cette page.",
  },
  declinedNow: {
    heading: "Invitation refusée",
    body: (org) => `Vous avez refusé l’invitation à rejoindre ${org}.`,
  },
  expired: {
    heading: "Cette invitation a expiré",
    body: (org, date) => `L’invitation à rejoindre ${org} a expiré le ${date}.`,
  },
  revoked: {
    heading: "Cette invitation a été retirée",
    body: (org) => `L’invitation à rejoindre ${org} a été retirée et n’est plus valable.`,
  },
  declined: {
    heading: "Cette invitation a été refusée",
    body: (org) => `L’invitation à rejoindre ${org} a déjà été refusée.`,
  },
  accepted: {
    heading: "Cette invitation a déjà été acceptée",
    body: (org, date) => `L’invitation à rejoindre ${org} a été acceptée le ${date}.`,
  },
  unknown: {
    heading: "Ce lien d’invitation ne fonctionne pas",
    body: "Le lien est peut-être incomplet ou n’est plus valable. Vérifiez que vous avez bien ouvert le lien complet figurant dans votre e-mail.",
  },
  alreadyMember: {
    heading: "Vous êtes déjà membre",
    body: (email, org) => `${email} est déjà membre de ${org}\u00a0: il n’y a rien à accepter.`,
  },
  memberLimit: {
    heading: "Cette organisation est complète",
    body: (org) =>
      `${org} a atteint son nombre maximal de membres\u00a0: l’invitation ne peut pas être acceptée pour le moment. Elle reste valable\u00a0; réessayez plus tard.`,
  },
  tooMany: {
    heading: "Trop de tentatives",
    body: "Par mesure de sécurité, les liens d’invitation sont temporairement bloqués pour votre réseau. Patientez une minute, puis réessayez.",
  },
  error: {
    heading: "Une erreur s’est produite",
    body: "Votre demande n’a pas pu aboutir. Veuillez réessayer dans un instant.",
  },
  askNew: (inviter) =>
    inviter
      ? `Si vous souhaitez toujours rejoindre l’organisation, demandez une nouvelle invitation à ${inviter}.`
      : "Si vous souhaitez toujours rejoindre l’organisation, demandez une nouvelle invitation à la personne qui vous l’a envoyée.",
};
