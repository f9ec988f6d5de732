import type { AcceptMessages } from "./types.js";

export const es: AcceptMessages = {
  pending: {
    eyebrow: "Tienes una invitación",
    heading: (org) => `Únete a ${org}`,
    lead: (org, inviter) => (inviter ? `${inviter} te ha invitado a unirte a ${org}.` : `Te han invitado a unirte a ${org}.`),
    email: "Invitación para",
    invitedBy: "Invitación de",
    roles: (count) => (count === 1 ? "Rol" : "Roles"),
    expires: "Caduca el",
    accept: "Aceptar invitación",
    decline: "Rechazar",
    note: "¿No esperabas esta invitación? Puedes rechazarla o simplemente ignorarla.",
  },
  success: {
    heading: (org) => `Te damos la bienvenida a ${org}`,
    body: (org) => `Ya eres miembro de ${org}.`,
    redirecting: (host) => `Te estamos llevando a ${host}…`,
    continueTo: (host) => `Continuar a ${host}`,
    closePage: "Ya puedes cerrar esta página.",
  },
  declinedNow: {
    heading: "Invitación rechazada",
    body: (org) => `Has rechazado la invitación para unirte a ${org}.`,
  },
  expired: {
    heading: "Esta invitación ha caducado",
    body: (org, date) => `La invitación para unirte a ${org} caducó el ${date}.`,
  },
  revoked: {
    heading: "Esta invitación se ha retirado",
    body: (org) => `La invitación para unirte a ${org} se ha retirado y ya no es válida.`,
  },
  declined: {
    heading: "Esta invitación ya se ha rechazado",
    body: (org) => `La invitación para unirte a ${org} ya se ha rechazado.`,
  },
  accepted: {
    heading: "Esta invitación ya se ha aceptado",
    body: (org, date) => `La invitación para unirte a ${org} se aceptó el ${date}.`,
  },
  unknown: {
    heading: "Este enlace de invitación no funciona",
    body: "Puede que el enlace esté incompleto o que ya no sea válido. Asegúrate de abrir el enlace completo del correo electrónico.",
  },
  alreadyMember: {
    heading: "Ya eres miembro",
    body: (email, org) => `${email} ya es miembro de ${org}, así que no hay nada que aceptar.`,
  },
  memberLimit: {
    heading: "Esta organización está completa",
    body: (org) =>
      `${org} ha alcanzado su límite de miembros, así que ahora mismo no se puede aceptar la invitación. Sigue siendo válida: vuelve a intentarlo más tarde.`,
  },
  tooMany: {
    heading: "Demasiados intentos",
    body: "Por tu seguridad, los enlaces de invitación están bloqueados temporalmente para tu red. Espera un minuto y vuelve a intentarlo.",
  },
  error: {
    heading: "Algo ha salido mal",
    body: "No hemos podido completar tu solicitud. Vuelve a intentarlo en un momento.",
  },
  askNew: (inviter) =>
    inviter
      ? `Si aún quieres unirte, pide a ${inviter} que te envíe una nueva invitación.`
      : "Si aún quieres unirte, pide una nueva invitación a la persona que te invitó.",
};
