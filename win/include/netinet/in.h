/* <netinet/in.h> for Windows: Winsock declares it all (see win.h). */

#ifndef PINETD_WIN_NETINET_IN_H
#define PINETD_WIN_NETINET_IN_H
#include "win.h"
#endif
