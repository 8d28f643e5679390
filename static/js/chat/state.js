/*
 * The chat page as its scripts see it: the thread's section and what its data
 * attributes say (templates/consultation/thread_detail.html and the
 * dashboard's thread page), and the socket once it is open.
 */
const section = document.querySelector("[data-consultation]");

export const chat = section && {
  section: section,
  list: section.querySelector("[data-messages]"),
  historyUrl: section.dataset.historyUrl,
  // Which of message.html's layouts the page shows: "site" or "admin".
  layout: section.dataset.messageLayout || "site",
  viewerId: Number(section.dataset.viewerId),
  viewerIsHospital: section.dataset.viewerHospital === "true",
  // consultation/consumers.py's FRAME_MAX_BYTES, by {% chat_socket %}.
  frameMaxBytes: Number(section.dataset.frameMaxBytes),
  socket: null, // lib/socket.js's liveSocket, once connected
  isOpen() {
    return this.socket !== null && this.socket.isOpen();
  },
};
