import type { FastifyReply, FastifyRequest } from "fastify";
import { LogtoError } from "./errors.js";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  page: number;
  pageSize: number;
}

export interface PageQuery {
  page?: string;
  page_size?: string;
}

/** Logto's optional pagination: off unless `page` or `page_size` is given. */
export function readPagination(query: PageQuery): PageRequest | null {
  const page = query.page === "" ? undefined : query.page;
  const size = query.page_size === "" ? undefined : query.page_size;
  if (page === undefined && size === undefined) return null;
  const pageNumber = page === undefined ? 1 : positiveInteger(page);
  const pageSize = size === undefined ? DEFAULT_PAGE_SIZE : positiveInteger(size);
  if (pageNumber === null || pageSize === null || pageSize > MAX_PAGE_SIZE) {
    throw new LogtoError(400, "guard.invalid_pagination", "The request pagination value is invalid.", {
      details: `page must be a positive integer and page_size an integer from 1 to ${MAX_PAGE_SIZE}`,
    });
  }
  return { page: pageNumber, pageSize };
}

export function offsetOf(page: PageRequest): number {
  return (page.page - 1) * page.pageSize;
}

/** One page of an in-memory list, with the headers; the whole list when not paginated. */
export function paginate<T>(request: FastifyRequest, reply: FastifyReply, items: T[], page: PageRequest | null): T[] {
  if (!page) return items;
  setPageHeaders(request, reply, page, items.length);
  return items.slice(offsetOf(page), offsetOf(page) + page.pageSize);
}

/** `Total-Number` and RFC 8288 `Link` (first, prev, next, last), as Logto sets them. */
export function setPageHeaders(request: FastifyRequest, reply: FastifyReply, page: PageRequest, total: number): void {
  const lastPage = Math.max(1, Math.ceil(total / page.pageSize));
  const link = (n: number) => {
    const url = new URL(request.url, "http://localhost");
    url.searchParams.set("page", String(n));
    url.searchParams.set("page_size", String(page.pageSize));
    return `<${url.pathname}${url.search}>`;
  };
  const links = [`${link(1)}; rel="first"`];
  if (page.page > 1) links.push(`${link(Math.min(page.page - 1, lastPage))}; rel="prev"`);
  if (page.page < lastPage) links.push(`${link(page.page + 1)}; rel="next"`);
  links.push(`${link(lastPage)}; rel="last"`);
  reply.header("Total-Number", String(total));
  reply.header("Link", links.join(", "));
}

function positiveInteger(text: string): number | null {
  if (!/^\d{1,9}$/.test(text)) return null;
  const value = Number(text);
  return value >= 1 ? value : null;
}
