import { Module } from '@nestjs/common';
import { PeerRequests } from './peer-requests';

@Module({ providers: [PeerRequests], exports: [PeerRequests] })
export class PeersModule {}
