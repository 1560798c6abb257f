// newchat.js starts conversations: openDirect (for any view: the people
// list, a profile) opens the 1:1 room with a member, and the chats tab's
// "new chat" dialog picks colleagues and external members for a direct or
// group room.
import { authed } from './api.js';

/** openDirect opens the direct room with memberId (POST /v1/rooms answers
 * the existing one with 200, a new one with 201) and navigates to it. It
 * throws the ApiError of a refusal (403 blocked…) for the caller to show. */
export async function openDirect(ctx, memberId) {
  const { data } = await authed('POST', '/v1/rooms', { type: 'direct', memberIds: [memberId] });
  ctx.nav(`/app/rooms/${encodeURIComponent(data.roomId)}`);
  return data;
}
