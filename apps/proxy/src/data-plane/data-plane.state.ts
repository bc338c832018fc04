import { Injectable } from '@nestjs/common';

/** Shared by the server and its handlers: set once a shutdown has begun. */
@Injectable()
export class DataPlaneState {
  draining = false;
  listening = false;
}
