//! What other rooms may use of the checklist room: nothing yet; rooms take part in the
//! checklist by registering facts and rules in the room list.
