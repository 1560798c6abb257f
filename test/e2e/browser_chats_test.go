package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// The chats tab of the web app (F14, F20): a room opens at its newest
// messages and pages up to the first, with the unread divider and date
// lines; new direct and group chats from the dialog; the self room.

// chatsTrustedSignIn signs s's account in on the app in b as the device s
// trusts (its device token stored as the app stores it), so no approval is
// asked; it returns when the room list shows.
func (e *env) chatsTrustedSignIn(b *tab, s session, email string) {
	b.t.Helper()
	b.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`),
		chromedp.Evaluate(`localStorage.setItem('workgate.deviceToken', `+jsString(s.DeviceToken)+`)`, nil))
	e.appSignIn(b, email, "Acme acme")
}

// chatsEval evaluates a JavaScript expression in b into out.
func chatsEval[T any](b *tab, expr string) T {
	b.t.Helper()
	var out T
	b.run(chromedp.Evaluate(expr, &out))
	return out
}

// chatsWait waits until a JavaScript expression is true.
func chatsWait(b *tab, expr string) {
	b.t.Helper()
	b.run(chromedp.Poll(expr, nil, chromedp.WithPollingTimeout(30*time.Second)))
}

// chatsBubbles is the text of every message shown in the open room, in
// the order shown.
const chatsBubbles = `[...document.querySelectorAll('.messages .msg .bubble')].map((e) => e.textContent)`

// koreanDay is a day as the app's date line shows it in Korean
// (Intl.DateTimeFormat ko-KR, dateStyle full).
func koreanDay(t time.Time) string {
	weekdays := []string{"일요일", "월요일", "화요일", "수요일", "목요일", "금요일", "토요일"}
	return fmt.Sprintf("%d년 %d월 %d일 %s", t.Year(), int(t.Month()), t.Day(), weekdays[t.Weekday()])
}

// TestBrowserChatsHistoryPaging: Lee has 120 messages over two days in a
// room with Kim, read up to the 100th. Opening it (Korean, desktop) shows
// the newest 50, the unread divider above the 101st, a date line where the
// day changes (in the browser's time zone); scrolling to the top loads the
// 50 before and keeps the messages in view where they were, the "earlier
// messages" button loads the rest, and then the start of the conversation
// shows: every message once, in order. New messages, live and sent, are
// added once, and the room is marked read.
func TestBrowserChatsHistoryPaging(t *testing.T) {
	t.Parallel()
	e := start(t, rateLimitFactor(100)) // 120 posts in a minute: not about limits
	kim := e.ownerSession("acme", "kim@acme.example")
	lee := e.registeredSession(kim, "acme", map[string]string{"email": "lee@acme.example", "name": "Lee Member"})
	r := e.mustCreateRoom(kim, directRoom, "", lee.AccountID)
	var posted []message
	post := func(i int) {
		sender := kim
		if i%10 == 0 {
			sender = lee
		}
		posted = append(posted, e.mustPost(sender, r.RoomID, fmt.Sprintf("메시지 %03d", i)))
	}
	for i := 1; i <= 60; i++ {
		post(i)
	}
	e.advance(24 * 3600) // the second half a day later
	kim, lee = e.refreshed(kim), e.refreshed(lee)
	for i := 61; i <= 120; i++ {
		post(i)
	}
	requireStatus(t, e.markRead(lee, r.RoomID, posted[99].Seq), http.StatusNoContent)
	// Kim's messages after the 100th: 110 and 120 are Lee's own.
	const unread = 18
	if lr, _ := findRoom(e.rooms(lee), r.RoomID); lr.UnreadCount != unread {
		t.Fatalf("Lee's unread count = %d, want %d", lr.UnreadCount, unread)
	}
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	var days []string // the date lines the whole history shows
	for i, m := range posted {
		want = append(want, m.Text)
		if d := koreanDay(m.CreatedAt.In(seoul)); i == 0 || d != koreanDay(posted[i-1].CreatedAt.In(seoul)) {
			days = append(days, d)
		}
	}

	b := newTab(t, "lee", "ko-KR", 1280, 800)
	b.run(emulation.SetTimezoneOverride("Asia/Seoul"))
	e.chatsTrustedSignIn(b, lee, "lee@acme.example")
	link := `a[data-room="` + r.RoomID + `"]`
	b.waitText(`a[@data-room="`+r.RoomID+`"]//span[@class="badge"]`, fmt.Sprint(unread))
	b.axe("room list, unread")
	b.run(chromedp.Click(link), chromedp.WaitVisible(`#composer`))
	b.waitText(`p[@class="bubble"]`, "메시지 120")
	chatsWait(b, `!document.querySelector('.messages .empty')`)

	// The newest 50, the divider above the first unread, in view.
	if got := chatsEval[[]string](b, chatsBubbles); !cmp.Equal(want[70:], got) {
		t.Fatalf("opened at (-want +got):\n%s", cmp.Diff(want[70:], got))
	}
	if got := chatsEval[string](b, `document.querySelector('#unread-divider + .msg .bubble')?.textContent || ''`); got != "메시지 101" {
		t.Fatalf("the unread divider is above %q, want 메시지 101", got)
	}
	b.waitText(`li[@id="unread-divider"]`, "여기부터 읽지 않은 메시지")
	if !chatsEval[bool](b, `(() => { const s = document.querySelector('.scroller').getBoundingClientRect(), d = document.querySelector('#unread-divider').getBoundingClientRect(); return d.top >= s.top && d.bottom <= s.bottom; })()`) {
		t.Error("the unread divider is not in view when the room opens")
	}
	// Opening marked the room read, through the API too.
	b.run(chromedp.WaitNotPresent(link + ` .badge`))
	for range 100 {
		if lr, _ := findRoom(e.rooms(lee), r.RoomID); lr.UnreadCount == 0 {
			break
		}
		sleep()
	}
	if lr, _ := findRoom(e.rooms(lee), r.RoomID); lr.UnreadCount != 0 {
		t.Errorf("after opening the room, Lee's unread count = %d", lr.UnreadCount)
	}
	b.axe("room opened at the unread divider")

	// Scrolling to the top loads the 50 before; the message that was first
	// stays where it was on screen (not jumped to the top).
	first := `document.querySelector('.msg[data-id="` + posted[70].MessageID + `"]')`
	b.run(chromedp.Evaluate(`document.querySelector('.scroller').scrollTop = 0`, nil))
	chatsWait(b, `document.querySelectorAll('.messages .msg').length === 100`)
	if got := chatsEval[[]string](b, chatsBubbles); !cmp.Equal(want[20:], got) {
		t.Fatalf("after scrolling up (-want +got):\n%s", cmp.Diff(want[20:], got))
	}
	if !chatsEval[bool](b, `(() => { const s = document.querySelector('.scroller'); const m = `+first+`.getBoundingClientRect(); return s.scrollTop > 0 && m.top >= s.getBoundingClientRect().top - 1 && m.top < s.getBoundingClientRect().bottom; })()`) {
		t.Error("after loading earlier messages, the message that was first is out of view")
	}
	b.axe("room, earlier messages loaded")

	// The button (for keyboard users) loads the rest; then the start.
	b.waitText(`button`, "이전 메시지 보기")
	b.run(chromedp.Click(`button.earlier-button`, chromedp.NodeVisible))
	b.waitText(`p[@class="history-start"]`, "대화의 시작입니다.")
	if got := chatsEval[[]string](b, chatsBubbles); !cmp.Equal(want, got) {
		t.Fatalf("the whole history (-want +got):\n%s", cmp.Diff(want, got))
	}
	if n := chatsEval[int](b, `document.querySelectorAll('button.earlier-button').length`); n != 0 {
		t.Errorf("%d earlier-messages buttons at the start of the conversation", n)
	}
	var lines []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll('.messages .day-sep')].map((e) => e.textContent)`, &lines))
	if !cmp.Equal(days, lines) {
		t.Errorf("date lines (-want +got):\n%s", cmp.Diff(days, lines))
	}
	if len(days) < 2 {
		t.Errorf("the messages span %d days, want 2: the case proves nothing", len(days))
	}
	b.axe("room, the start of the conversation")

	// A live message from Kim and one Lee sends come once each, at the end.
	e.mustPost(kim, r.RoomID, "실시간 메시지")
	b.waitText(`p[@class="bubble"]`, "실시간 메시지")
	b.run(chromedp.SendKeys(`#composer`, "답장입니다"), submit())
	b.waitText(`p[@class="bubble"]`, "답장입니다")
	e.settle() // the live event of Lee's own message has come too
	got := chatsEval[[]string](b, chatsBubbles)
	if wantAll := append(slices.Clone(want), "실시간 메시지", "답장입니다"); !cmp.Equal(wantAll, got) {
		t.Fatalf("after the live messages (-want +got):\n%s", cmp.Diff(wantAll, got))
	}
	if h := e.history(kim, r.RoomID, posted[119].Seq, 100); len(h) != 2 || h[1].Text != "답장입니다" {
		t.Fatalf("the room's history after the 120th = %+v", h)
	}

	// The new-chat dialog in Korean, over the open room.
	b.run(chromedp.Click(`button.new-chat-button`, chromedp.NodeVisible))
	b.waitText(`span[@class="pick-name"]`, "Kim Workgate")
	b.waitText(`h2`, "대화 상대 선택")
	b.axe("new-chat dialog")
}

// TestBrowserChatsNewChat: Kim (English, phone width) starts a 1:1 chat
// with Lee found by searching in the new-chat dialog; Lee (desktop), signed
// in already, sees the room and the message come live. Kim then starts a
// named group chat with Lee and Park: its header shows the member count and
// its members (linking to their profiles), and Park finds it in the API's
// list. A too-long group name is refused in the dialog, and Escape closes
// it returning focus to the button.
func TestBrowserChatsNewChat(t *testing.T) {
	t.Parallel()
	e := start(t)
	kim := e.ownerSession("acme", "kim@acme.example")
	lee := e.registeredSession(kim, "acme", map[string]string{"email": "lee@acme.example", "name": "Lee Member"})
	park := e.registeredSession(kim, "acme", map[string]string{"email": "park@acme.example", "name": "Park Dev"})
	e.registeredSession(kim, "acme", map[string]string{"email": "choi@acme.example", "name": "Choi Ops"})

	kb := newTab(t, "kim", "en-GB", 390, 844)
	lb := newTab(t, "lee", "en-GB", 1280, 800)
	e.chatsTrustedSignIn(kb, kim, "kim@acme.example")
	e.chatsTrustedSignIn(lb, lee, "lee@acme.example")
	lb.run(chromedp.WaitVisible(`.live.live`)) // Lee's stream is open before Kim starts
	kb.axe("room list, phone")

	// The dialog: search Lee, pick, start.
	kb.run(chromedp.Click(`button.new-chat-button`, chromedp.NodeVisible), chromedp.WaitVisible(`dialog.new-chat`))
	kb.waitText(`h2`, "Who do you want to chat with?")
	if id := chatsEval[string](kb, `document.activeElement.id`); id != "new-chat-search" {
		t.Errorf("focus in the dialog on %q, want the search field", id)
	}
	kb.waitText(`span[@class="pick-name"]`, "Choi Ops") // everyone before searching
	kb.run(chromedp.SendKeys(`#new-chat-search`, "Lee"))
	chatsWait(kb, `(() => { const n = [...document.querySelectorAll('#new-chat-colleagues + ul .pick-name')].map((e) => e.textContent); return n.length === 1 && n[0] === 'Lee Member'; })()`)
	kb.axe("new-chat dialog, searched")
	kb.run(chromedp.Click(`input[id="pick-` + lee.AccountID + `"]`))
	kb.run(chromedp.WaitVisible(`button.chip[aria-label="Remove Lee Member"]`))
	kb.axe("new-chat dialog, one picked")
	kb.run(chromedp.Click(`dialog button[type="submit"]`, chromedp.NodeVisible))
	kb.run(chromedp.WaitNotPresent(`dialog.new-chat`))
	kb.waitText(`h2`, "Lee Member")
	var direct room
	for _, r := range e.rooms(kim) {
		if r.Type == directRoom {
			direct = r
		}
	}
	if !slices.Contains(direct.MemberIDs, lee.AccountID) {
		t.Fatalf("Kim's direct room = %+v, want one with Lee", direct)
	}
	if got := chatsEval[string](kb, `location.pathname`); got != "/app/rooms/"+direct.RoomID {
		t.Fatalf("Kim is at %s, want the new room", got)
	}
	kb.run(chromedp.SendKeys(`#composer`, "Hello Lee"), submit())
	kb.waitText(`p[@class="bubble"]`, "Hello Lee")
	kb.axe("direct room, phone")

	// Lee sees the room arrive and the message live, and opens it.
	lb.waitText(`a[@data-room="`+direct.RoomID+`"]//span[@class="room-last"]`, "Hello Lee")
	lb.run(chromedp.Click(`a[data-room="`+direct.RoomID+`"]`), chromedp.WaitVisible(`#composer`))
	lb.waitText(`h2`, "Kim Workgate")
	lb.waitText(`p[@class="bubble"]`, "Hello Lee")
	kb.run(chromedp.SendKeys(`#composer`, "Are you there?"), submit())
	lb.waitText(`p[@class="bubble"]`, "Are you there?")
	lb.axe("direct room, desktop")

	// Opening the dialog again and picking Lee opens the same room (the
	// API answers the pair's room).
	kb.run(chromedp.Click(`a.back`, chromedp.NodeVisible), chromedp.WaitVisible(`button.new-chat-button`))
	kb.run(chromedp.Click(`button.new-chat-button`, chromedp.NodeVisible), chromedp.WaitVisible(`input[id="pick-`+lee.AccountID+`"]`))
	// Escape closes it, focus back on the button.
	kb.run(chromedp.KeyEvent("\x1b"), chromedp.WaitNotPresent(`dialog.new-chat`))
	if cls := chatsEval[string](kb, `document.activeElement.className`); cls != "new-chat-button" {
		t.Errorf("after Escape focus is on %q, want the new-chat button", cls)
	}

	// A group with a name, two colleagues.
	kb.run(chromedp.Click(`button.new-chat-button`, chromedp.NodeVisible), chromedp.WaitVisible(`input[id="pick-`+park.AccountID+`"]`))
	kb.run(chromedp.Click(`input[id="pick-`+lee.AccountID+`"]`), chromedp.Click(`input[id="pick-`+park.AccountID+`"]`),
		chromedp.WaitVisible(`#new-chat-name`))
	kb.waitText(`button`, "Start group chat (2)")
	kb.run(chromedp.SendKeys(`#new-chat-name`, strings.Repeat("x", 51)), chromedp.Click(`dialog button[type="submit"]`, chromedp.NodeVisible))
	kb.waitText(`p[@id="new-chat-error"]`, "A chat name has at most 50 characters.")
	kb.axe("new-chat dialog, group name refused")
	kb.run(chromedp.SetValue(`#new-chat-name`, "Launch plan"), chromedp.Click(`dialog button[type="submit"]`, chromedp.NodeVisible))
	kb.run(chromedp.WaitNotPresent(`dialog.new-chat`))
	kb.waitText(`h2`, "Launch plan")
	kb.waitText(`span[contains(@class,"room-head-count")]`, "3 members")
	kb.run(chromedp.Click(`.room-members summary`, chromedp.NodeVisible))
	kb.waitText(`details//a`, "Park Dev")
	kb.waitText(`details//a`, "Lee Member")
	var hrefs []string
	kb.run(chromedp.Evaluate(`[...document.querySelectorAll('.room-members a')].map((a) => a.getAttribute('href'))`, &hrefs))
	wantHrefs := []string{"/app/me", "/app/people/" + lee.AccountID, "/app/people/" + park.AccountID}
	slices.Sort(hrefs)
	slices.Sort(wantHrefs)
	if !cmp.Equal(wantHrefs, hrefs) {
		t.Errorf("member links (-want +got):\n%s", cmp.Diff(wantHrefs, hrefs))
	}
	kb.axe("group room, members shown")
	kb.run(chromedp.SendKeys(`#composer`, "Hi both"), submit())
	kb.waitText(`p[@class="bubble"]`, "Hi both")

	var group room
	for _, r := range e.rooms(park) {
		if r.Type == groupRoom {
			group = r
		}
	}
	if group.Name == nil || *group.Name != "Launch plan" || len(group.MemberIDs) != 3 || group.LastMessage == nil || group.LastMessage.Text != "Hi both" {
		t.Fatalf("Park's group room = %+v", group)
	}
	lb.waitText(`a[@data-room="`+group.RoomID+`"]//span[@class="room-last"]`, "Hi both")
	lb.axe("room list with the group, desktop")
}

// TestBrowserChatsSelfRoom: Lee's self room (나와의 채팅, Korean, phone
// width) is first in the list with the 나 avatar even when another room
// is newer; a note posted there stays after a reload, and the API's
// self room holds it.
func TestBrowserChatsSelfRoom(t *testing.T) {
	t.Parallel()
	e := start(t)
	kim := e.ownerSession("acme", "kim@acme.example")
	lee := e.registeredSession(kim, "acme", map[string]string{"email": "lee@acme.example", "name": "Lee Member"})
	r := e.mustCreateRoom(kim, groupRoom, "출시 준비", lee.AccountID)

	b := newTab(t, "lee", "ko-KR", 390, 844)
	e.chatsTrustedSignIn(b, lee, "lee@acme.example")
	first := `.room-list > li:first-child a`
	b.waitText(`span[@class="room-name"]`, "나와의 채팅")
	// (The list is drawn again as events come: it is read in one go.)
	if got := chatsEval[string](b, `document.querySelector('`+first+` .room-name')?.textContent`); got != "나와의 채팅" {
		t.Fatalf("first room = %q, want 나와의 채팅", got)
	}
	if got := chatsEval[string](b, `document.querySelector('`+first+` .avatar-me')?.textContent`); got != "나" {
		t.Errorf("the self room's avatar = %q, want 나", got)
	}
	b.axe("room list, self room first")

	// The self room is first even after a message makes another room newer.
	e.mustPost(kim, r.RoomID, "내일 배포합니다")
	b.waitText(`a[@data-room="`+r.RoomID+`"]//span[@class="room-last"]`, "내일 배포합니다")
	if got := chatsEval[string](b, `document.querySelector('`+first+` .room-name')?.textContent`); got != "나와의 채팅" {
		t.Fatalf("after a message elsewhere the first room = %q, want 나와의 채팅", got)
	}

	b.run(chromedp.Click(first), chromedp.WaitVisible(`#composer`))
	b.waitText(`h2`, "나와의 채팅")
	b.run(chromedp.SendKeys(`#composer`, "회의 메모: 금요일 3시"), submit())
	b.waitText(`p[@class="bubble"]`, "회의 메모: 금요일 3시")
	b.axe("self room")
	path := chatsEval[string](b, `location.pathname`)

	b.run(chromedp.Reload(), chromedp.WaitVisible(`#composer`))
	b.waitText(`p[@class="bubble"]`, "회의 메모: 금요일 3시")
	b.waitText(`h2`, "나와의 채팅")
	if got := chatsEval[string](b, `location.pathname`); got != path {
		t.Errorf("after a reload at %s, want %s", got, path)
	}
	b.run(chromedp.Click(`a.back`, chromedp.NodeVisible))
	b.waitText(`a[contains(@class,"self")]//span[@class="room-last"]`, "회의 메모: 금요일 3시")
	b.axe("room list after a note")

	// The API's self room of Lee is the one shown, and holds the note.
	res := e.call("GET", "/v1/rooms/self", nil, lee.bearer()...)
	requireStatus(t, res, http.StatusOK)
	var self room
	res.JSON(t, &self)
	if path != "/app/rooms/"+self.RoomID {
		t.Fatalf("the app's self room is %s, the API's %s", path, self.RoomID)
	}
	if h := e.history(lee, self.RoomID, 0, 100); len(h) != 1 || h[0].Text != "회의 메모: 금요일 3시" {
		t.Fatalf("the self room's history = %+v", h)
	}
}

// TestBrowserChatsMoreRooms: a member in more rooms than one page of the
// list (50) sees the self room and the newest, then every room, each once,
// after "More chats" (pressed from the keyboard, which then stands on the
// first room added).
func TestBrowserChatsMoreRooms(t *testing.T) {
	t.Parallel()
	e := start(t)
	kim := e.ownerSession("acme", "kim@acme.example")
	lee := e.registeredSession(kim, "acme", map[string]string{"email": "lee@acme.example", "name": "Lee Member"})
	const n = 56
	for i := range n {
		e.mustCreateRoom(kim, groupRoom, fmt.Sprintf("Room %02d", i+1), lee.AccountID)
	}

	b := newTab(t, "lee", "en-GB", 1280, 800)
	e.chatsTrustedSignIn(b, lee, "lee@acme.example")
	b.waitText(`span[@class="room-name"]`, "Room 56") // the newest first
	b.run(chromedp.WaitVisible(`.more-rooms button`))
	names := `Array.from(document.querySelectorAll('.room-list .room-name'), (e) => e.textContent)`
	want := []string{"Notes to self"}
	for i := n; i >= 1; i-- {
		want = append(want, fmt.Sprintf("Room %02d", i))
	}
	// The first page holds 50 rooms: the self room (made by the app's
	// first GET /v1/rooms/self, so the newest) and the newest 49.
	shown := chatsEval[[]string](b, names)
	if !cmp.Equal(want[:50], shown) {
		t.Fatalf("first page of the list (-want +got):\n%s", cmp.Diff(want[:50], shown))
	}
	b.axe("room list with more")

	b.run(chromedp.Focus(`.more-rooms button`), chromedp.KeyEvent("\r"))
	chatsWait(b, `document.querySelectorAll('.room-list .room-name').length === 57 && !document.querySelector('.more-rooms')`)
	if got := chatsEval[[]string](b, names); !cmp.Equal(want, got) {
		t.Fatalf("the whole list (-want +got):\n%s", cmp.Diff(want, got))
	}
	if focused := chatsEval[string](b, `document.activeElement.querySelector('.room-name')?.textContent || ''`); focused != want[len(shown)] {
		t.Errorf("after More chats the focus is on %q, want %s (the first room added)", focused, want[len(shown)])
	}
	b.axe("room list, all rooms")
}
