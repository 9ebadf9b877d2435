/* <sys/socket.h> for Windows: Winsock declares it all (see win.h). */

#ifndef PINETD_WIN_SYS_SOCKET_H
#define PINETD_WIN_SYS_SOCKET_H
#include "win.h"
#endif
