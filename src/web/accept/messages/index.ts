import type { PageLocale } from "../locale.js";
import { de } from "./de.js";
import { en } from "./en.js";
import { es } from "./es.js";
import { fr } from "./fr.js";
import { ja } from "./ja.js";
import type { AcceptMessages } from "./types.js";
import { zhCN } from "./zh-cn.js";

export type { AcceptMessages } from "./types.js";

export const MESSAGES: Record<PageLocale, AcceptMessages> = { en, de, fr, es, ja, "zh-CN": zhCN };
