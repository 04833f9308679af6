/* Stand-in for Apple's Carbon.h (see Cocoa/Cocoa.h): the one type golang.design/x/hotkey's
   preamble uses. */
typedef struct OpaqueEventHotKeyRef *EventHotKeyRef;
/* Secure event input (HIToolbox), for internal/textinput. */
#include <stdbool.h>
typedef unsigned char Boolean;
Boolean IsSecureEventInputEnabled(void);
