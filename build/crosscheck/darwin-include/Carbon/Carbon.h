/* Stand-in for Apple's Carbon.h (see Cocoa/Cocoa.h): the one type golang.design/x/hotkey's
   preamble uses. */
typedef struct OpaqueEventHotKeyRef *EventHotKeyRef;
