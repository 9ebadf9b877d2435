/* <netinet/tcp.h> for Windows: Winsock declares it all (see win.h). */

#ifndef PINETD_WIN_NETINET_TCP_H
#define PINETD_WIN_NETINET_TCP_H
#include "win.h"
#endif
